"""DEC (Xie et al. 2016) and its IDEC variant: refine the autoencoder and centroids towards confident clusters."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from deepmine.base import store_params
from deepmine.cluster.autoencoder_kmeans import CLUSTER_ATTRIBUTES_DOC, CLUSTER_PARAMS_DOC, AutoencoderKMeans
from deepmine.tabular._params import training_params_doc
from deepmine.training import Callback, Trainer


class _TargetLoss(nn.Module):
    """KL(P || Q) for a batch, P looked up by row index; with ``gamma`` (IDEC) gamma * KL + reconstruction MSE."""

    def __init__(self, X: torch.Tensor, gamma: float | None):
        super().__init__()
        self.X, self.gamma, self.P = X, gamma, None

    def forward(self, out, rows: torch.Tensor) -> torch.Tensor:
        q, recon = out if isinstance(out, tuple) else (out, None)
        p = self.P[rows]
        kl = (p * (torch.log(p.clamp_min(1e-12)) - torch.log(q.clamp_min(1e-12)))).sum(dim=1).mean()
        if recon is None:
            return kl
        return self.gamma * kl + ((recon - self.X[rows]) ** 2).mean()


class _TargetUpdate(Callback):
    """Recompute the target P every ``interval`` epochs; stop once fewer than ``tol`` of the labels changed."""

    def __init__(self, X: torch.Tensor, loss: _TargetLoss, interval: int, tol: float):
        self.X, self.loss, self.interval, self.tol, self.labels = X, loss, interval, tol, None

    def _refresh(self, module) -> float:
        module.eval()
        with torch.no_grad():  # not inference_mode: P takes part in the loss's autograd graph
            q = torch.cat([module.soft_assign(module.encode(self.X[s: s + 8192])) for s in range(0, len(self.X), 8192)])
        # squaring sharpens confident assignments; dividing by cluster size keeps big clusters from swallowing others
        weight = q**2 / q.sum(dim=0)
        self.loss.P = weight / weight.sum(dim=1, keepdim=True)
        labels = q.argmax(dim=1)
        changed = 1.0 if self.labels is None else float((labels != self.labels).float().mean())
        self.labels = labels
        return changed

    def on_train_begin(self, trainer):
        self.labels = None
        self._refresh(trainer.module)

    def on_epoch_end(self, trainer, record):
        if record["epoch"] % self.interval == 0:
            record["label_change"] = self._refresh(trainer.module)
            if record["label_change"] < self.tol:
                trainer.stop_training = True


class DEC(AutoencoderKMeans):
    __doc__ = """Deep Embedded Clustering (Xie, Girshick and Farhadi, ICML 2016), with IDEC as an option.

    Pretrain a denoising autoencoder, put centroids where k-means finds them in its code, then train
    encoder and centroids together to minimise KL(P || Q): q is a Student's t soft assignment of each
    code to the centroids and p = q^2 / (cluster frequency), renormalised, a sharpened target that is
    recomputed every ``update_interval`` epochs; training stops when fewer than ``tol`` of the rows
    changed cluster between two updates, or after ``cluster_epochs``. With ``idec=True`` (Guo et al.,
    IJCAI 2017) the decoder keeps training too, on ``reconstruction MSE + gamma * KL``, so the code does
    not drift away from the data. The baseline is k-means (``TraditionalClusterer``). The parameters after
    ``tol`` set the autoencoder's pretraining.

    Parameters
    ----------""" + CLUSTER_PARAMS_DOC + """
    idec : bool
        Keep the reconstruction loss while clustering (IDEC).
    gamma : float
        IDEC's weight of the clustering (KL) loss against the reconstruction loss (0.1 in the paper).
    cluster_epochs : int
        Epochs of the clustering phase at most (SGD with Nesterov momentum 0.9, as in DEC).
    cluster_lr : float
        Learning rate of the clustering phase.
    update_interval : int
        Epochs between updates of the target distribution P.
    tol : float
        Stop when fewer than this share of the rows changed cluster since the last update.
""" + training_params_doc() + CLUSTER_ATTRIBUTES_DOC + """    history_ has a ``phase`` column ("pretrain", "cluster") and ``label_change`` at each update.
    """

    def __init__(self, n_clusters=8, k_range=(2, 10), code_dim=10, hidden=(500, 500, 2000), activation="relu",
                 noise=0.2, scaling="auto", idec=False, gamma=0.1, cluster_epochs=100, cluster_lr=0.01,
                 update_interval=2, tol=0.001, optimizer="adam", lr=1e-3, weight_decay=0.0, batch_size=256,
                 max_epochs=100, early_stopping=None, validation_fraction=0.0, lr_schedule="constant", grad_clip=None,
                 roles=None, device="auto", precision="float32", random_state=None,
                 verbose=0, callbacks=None):
        store_params(self, locals())

    def _train(self, trainer, module, Xt, train, valid):
        history = super()._train(trainer, module, Xt, train, valid)  # pretrained autoencoder, k-means centroids
        X = torch.as_tensor(Xt, device=trainer.device)
        loss = _TargetLoss(X, self.gamma if self.idec else None)
        refine = Trainer(loss=loss, optimizer="sgd", lr=self.cluster_lr, batch_size=trainer.batch_size,
                         max_epochs=self.cluster_epochs, lr_schedule="constant", early_stopping=None,
                         grad_clip=self.grad_clip, callbacks=[_TargetUpdate(X, loss, max(1, self.update_interval), self.tol),
                                                              *(self.callbacks or ())],
                         device=trainer.device, verbose=self.verbose, description=f"{type(self).__name__} clustering",
                         precision=self.precision)
        module.phase = "cluster+reconstruct" if self.idec else "cluster"
        try:
            refined = refine.fit(module, X, torch.arange(len(X), device=trainer.device))
        finally:
            module.phase = "reconstruct"
        return pd.concat([history.assign(phase="pretrain"), refined.assign(phase="cluster")], ignore_index=True)

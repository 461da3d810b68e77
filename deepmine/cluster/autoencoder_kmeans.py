"""AutoencoderKMeans: k-means on the code of a denoising dense autoencoder."""

from __future__ import annotations

from deepmine.base import store_params
from deepmine.cluster._deep import DeepClusterer
from deepmine.tabular._params import training_params_doc

CLUSTER_PARAMS_DOC = """
    n_clusters : int >= 2 or "auto"
        How many clusters; "auto" runs k-means on the code for every k in ``k_range`` and keeps
        the k with the highest silhouette (``n_clusters_`` and ``k_scores_`` report the choice).
    k_range : (int, int)
        The smallest and largest k that "auto" tries (capped at the number of rows - 1).
    code_dim : int
        Width of the code (the autoencoder's bottleneck) in which the clusters are found.
    hidden : tuple of int
        Encoder widths; the decoder mirrors them. (500, 500, 2000) is DEC's architecture.
    activation : {"relu", "leaky_relu", "swish", "gelu", "tanh", "sigmoid"}
    noise : float
        Share of inputs masked to zero in each pretraining batch (a denoising autoencoder).
    scaling : {"auto", "standard", "global"}
        "standard" uses the per-column standardisation of the preprocessor; "global" centres each
        numeric column but divides all by one scale, keeping the relative spread of columns in one
        unit (pixels); "auto" picks "global" for tables of at least 16 numeric columns without gaps
        that share one minimum (pixels, spectra, counts), else "standard". ``scaling_`` says which.
"""

CLUSTER_ATTRIBUTES_DOC = """
    Attributes
    ----------
    labels_ : cluster of each training row; cluster_centers_ : centroids in the code space
    (``transform``'s output); n_clusters_ : the k used; k_scores_ : {k: silhouette} when
    n_clusters="auto" (empty otherwise); scaling_, module_, preprocessor_, history_, n_iter_,
    n_features_in_.

    Constant columns are kept: after centring they are zero and move no distance. A table whose
    columns are all constant is refused.
"""


class AutoencoderKMeans(DeepClusterer):
    __doc__ = """Clusters in the code of an autoencoder: train a dense denoising autoencoder with MSE, then k-means on its code.

    The traditional baseline is k-means on the standardised features
    (``TraditionalClusterer(method="kmeans")``); the autoencoder first learns a low-dimensional code
    in which similar rows lie close, which helps on images and other wide tables. ``predict``
    gives the nearest centroid in the code; ``transform`` gives the code.

    Parameters
    ----------""" + CLUSTER_PARAMS_DOC + training_params_doc() + CLUSTER_ATTRIBUTES_DOC

    def __init__(self, n_clusters=8, k_range=(2, 10), code_dim=10, hidden=(500, 500, 2000), activation="relu",
                 noise=0.2, scaling="auto", optimizer="adam", lr=1e-3, weight_decay=0.0, batch_size=256, max_epochs=100,
                 early_stopping=None, validation_fraction=0.0, lr_schedule="constant", grad_clip=None, roles=None,
                 device="auto", precision="float32", random_state=None,
                 verbose=0, callbacks=None):
        store_params(self, locals())

"""Images: every classifier on digits and MNIST, CNN training throughput, and U-Net on generated shapes.

1. ``compare("image_classification", "dataset:NAME", target="digit")`` on a stratified 75/25 split
   (seed 0): accuracy, fit and predict seconds of the CNNs (small ResNet, LeNet-5) beside logistic
   regression, an RBF SVM and 3-NN on the pixels.
2. Training throughput of ``CNNClassifier`` (the small ResNet, shift augmentation) against a plain
   PyTorch loop of the same network, optimiser, batch size and epochs on the MNIST sample: images
   per second, the two alternating for 5 rounds, the median ratio printed (target >= 0.9x).
3. ``UNetSegmenter`` at its defaults on 300 generated 64x64 shape images (seed 0), scored on 200 fresh
   ones (seed 1): IoU and Dice of the foreground.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_vision.py [--only classify|throughput|segment]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import torch

import deepmine
from deepmine import compare

EPOCHS, BATCH, LR, ROUNDS = 3, 64, 3e-3, 5


def classify() -> None:
    for name in ("digits", "mnist"):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            board = compare("image_classification", f"dataset:{name}", target="digit", random_state=0,
                            progress=lambda msg: print(f"  {msg}", flush=True))
        info = board.info
        print(f"\n{name}: {info['train_images']} train / {info['test_images']} test images, {info['classes']} "
              f"classes; {time.perf_counter() - start:.0f} s in all")
        print(board.frame[["model", "kind", "accuracy", "f1_macro", "fit_s", "predict_s"]].to_markdown(
            index=False, floatfmt=".4f"))
        print(board.verdict(), flush=True)


def _plain_loop(X: np.ndarray, codes: np.ndarray, n_out: int) -> float:
    from deepmine.nn.vision import SmallResNet

    start = time.perf_counter()
    torch.manual_seed(0)
    x, y = torch.as_tensor(X), torch.as_tensor(codes)
    model = SmallResNet(X.shape[1], n_out, (32, 64, 128), 0.0, X.shape[2], X.shape[3], shift=2, flip=False)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(x))
        for s in range(0, len(x), BATCH):
            idx = perm[s: s + BATCH]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
    return time.perf_counter() - start


def _deepmine_fit(frame, y) -> float:
    from deepmine.vision.classifiers import CNNClassifier

    start = time.perf_counter()
    CNNClassifier(batch_size=BATCH, max_epochs=EPOCHS, lr=LR, lr_schedule="constant", early_stopping=None,
                  random_state=0, device="cpu").fit(frame, y)
    return time.perf_counter() - start


def throughput() -> None:
    from deepmine.vision.data import ImagePreprocessor

    data = deepmine.datasets.load("mnist")
    X = ImagePreprocessor().fit_transform(data.X)  # the plain loop gets the same standardised images
    classes, codes = np.unique(data.y.to_numpy(), return_inverse=True)
    _deepmine_fit(data.X, data.y), _plain_loop(X, codes, len(classes))  # warm up
    ratios = []
    for r in range(ROUNDS):
        t_plain = _plain_loop(X, codes, len(classes))
        t_deep = _deepmine_fit(data.X, data.y)
        ratios.append(t_plain / t_deep)
        print(f"round {r + 1}: plain {t_plain:.1f}s  deepmine {t_deep:.1f}s  ({len(X) * EPOCHS / t_deep:.0f} "
              f"images/s)  throughput ratio {ratios[-1]:.2f}x", flush=True)
    print(f"median throughput ratio deepmine / plain PyTorch: {statistics.median(ratios):.2f}x "
          f"({len(X)} MNIST images, small ResNet, {EPOCHS} epochs, batch {BATCH})")


def segment() -> None:
    from deepmine.vision.segmentation import UNetSegmenter, make_shapes, segmentation_scores

    images, masks = make_shapes(300, size=64, random_state=0)
    test_images, test_masks = make_shapes(200, size=64, random_state=1)
    start = time.perf_counter()
    model = UNetSegmenter(random_state=0).fit(images, masks)
    fit_s = time.perf_counter() - start
    scores = segmentation_scores(test_masks, model.predict(test_images), n_classes=2)
    print(f"\nU-Net on generated shapes (300 train 64x64, seed 0; 200 test, seed 1): IoU {scores['iou']:.3f}, "
          f"Dice {scores['dice']:.3f}, pixel accuracy {scores['pixel_accuracy']:.3f}, fit {fit_s:.1f} s, "
          f"{model.n_iter_} epochs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["classify", "throughput", "segment"])
    args = parser.parse_args()
    print(f"deepmine {deepmine.__version__}, torch {torch.__version__}, python {platform.python_version()}, "
          f"{torch.get_num_threads()} torch threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    for part, run in (("classify", classify), ("throughput", throughput), ("segment", segment)):
        if args.only in (None, part):
            run()


if __name__ == "__main__":
    main()

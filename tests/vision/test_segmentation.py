"""U-Net segmentation: the network, generated shapes, IoU / Dice, UNetSegmenter (fit, predict, errors, saving)."""

import numpy as np
import pytest
import torch

from deepmine.errors import DataError, NotFittedError, ParameterError, TargetError
from deepmine.nn.unet import UNet
from deepmine.vision.segmentation import (DiceCELoss, UNetSegmenter, dice, iou, make_shapes,
                                          segmentation_scores)

# ------------------------------------------------------------------------------------------ the network


@pytest.mark.parametrize("h, w", [(32, 32), (33, 45), (8, 8), (17, 9)])
def test_unet_output_matches_any_input_size(h, w):
    net = UNet(3, 4, widths=(4, 8, 16)).eval()
    assert net(torch.randn(2, 3, h, w)).shape == (2, 4, h, w)


def test_unet_bilinear_and_depth():
    net = UNet(1, 2, widths=(4, 8, 8, 16), upsample="bilinear").eval()
    assert net.min_size() == 8
    assert net(torch.randn(1, 1, 20, 27)).shape == (1, 2, 20, 27)
    with pytest.raises(ValueError, match="widths"):
        UNet(1, 2, widths=(8,))


# ------------------------------------------------------------------------------------------ generated data


def test_make_shapes_shapes_and_seed():
    X, y = make_shapes(20, size=40, random_state=3)
    assert X.shape == (20, 1, 40, 40) and X.dtype == np.float32
    assert y.shape == (20, 40, 40) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    assert all(m.any() for m in y)  # every image holds a shape
    assert 0.02 < y.mean() < 0.5
    X2, y2 = make_shapes(20, size=40, random_state=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(y, make_shapes(20, size=40, random_state=4)[1])
    # the shapes are brighter than the background
    assert X[:, 0][y == 1].mean() > X[:, 0][y == 0].mean() + 0.4


def test_make_shapes_one_class_per_kind_and_errors():
    _, y = make_shapes(30, size=32, n_classes=4, random_state=0)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    with pytest.raises(ParameterError, match="n_classes"):
        make_shapes(5, n_classes=3)
    with pytest.raises(ParameterError, match="size"):
        make_shapes(5, size=4)


# ------------------------------------------------------------------------------------------ metrics


def test_iou_and_dice_by_hand():
    t = np.array([[[0, 1, 1, 0], [0, 1, 1, 0]]])  # 4 foreground pixels
    p = np.array([[[0, 0, 1, 1], [0, 0, 1, 1]]])  # 2 of them right, 2 false
    assert iou(t, p) == pytest.approx(2 / 6)
    assert dice(t, p) == pytest.approx(2 * 2 / 8)
    assert iou(t, t) == 1.0 and dice(t, t) == 1.0
    per = iou(t, p, average=None)
    assert per.shape == (2,) and per[0] == pytest.approx(2 / 6)  # background: 2 shared of 6
    assert iou(t, p, average="all") == pytest.approx(2 / 6)
    # over the whole set: a class absent from both masks is NaN and left out of the mean
    per3 = iou(t, p, n_classes=3, average=None)
    assert np.isnan(per3[2]) and iou(t, p, n_classes=3) == pytest.approx(2 / 6)
    scores = segmentation_scores(t, p)
    assert scores["iou"] == pytest.approx(2 / 6) and scores["pixel_accuracy"] == pytest.approx(4 / 8)
    assert len(scores["iou_per_class"]) == 2 and "dice_per_class" in scores


def test_metric_errors():
    t = np.zeros((2, 4, 4), dtype=int)
    with pytest.raises(DataError, match="shape"):
        iou(t, t[:1])
    with pytest.raises(DataError, match="negative"):
        dice(t, t - 1)
    with pytest.raises(DataError, match="n_classes"):
        iou(t + 2, t, n_classes=2)


def test_dice_ce_loss_falls_with_better_logits():
    target = torch.tensor([[[0, 1], [1, 0]]])
    good = torch.nn.functional.one_hot(target, 2).permute(0, 3, 1, 2).float() * 8
    loss = DiceCELoss()
    assert loss(good, target) < loss(-good, target)
    assert float(loss(good, target)) < 0.05


# ------------------------------------------------------------------------------------------ the segmenter


@pytest.fixture(scope="module")
def fitted():
    X, y = make_shapes(200, size=32, random_state=0)
    seg = UNetSegmenter(widths=(8, 16, 32), lr=1e-2, max_epochs=8, random_state=0).fit(X, y)
    return seg


def test_segmenter_reaches_high_iou_on_fresh_shapes(fitted):
    X_test, y_test = make_shapes(100, size=32, random_state=1)
    pred = fitted.predict(X_test)
    assert pred.shape == y_test.shape and pred.dtype == np.int64
    score = iou(y_test, pred)
    assert score >= 0.8, score
    assert fitted.score(X_test, y_test) == pytest.approx(score)
    assert fitted.n_classes_ == 2 and fitted.n_features_in_ == 1
    proba = fitted.predict_proba(X_test[:3])
    assert proba.shape == (3, 2, 32, 32)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    # a fully convolutional network segments other sizes too, odd ones included
    X_big, y_big = make_shapes(10, size=45, random_state=2)
    assert fitted.predict(X_big).shape == (10, 45, 45)
    # (n, h, w) without a channel axis means grayscale
    np.testing.assert_array_equal(fitted.predict(X_test[:5, 0]), pred[:5])


def test_segmenter_saves_and_loads(fitted, tmp_path):
    from deepmine.persist import load, save_model

    X, _ = make_shapes(6, size=32, random_state=5)
    save_model(fitted, tmp_path / "seg")
    loaded = load(tmp_path / "seg")
    assert type(loaded) is UNetSegmenter and loaded.n_classes_ == 2
    np.testing.assert_allclose(loaded.predict_proba(X), fitted.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("layout", ["last", "first"])
def test_segmenter_takes_colour_images_in_either_layout(layout):
    X, y = make_shapes(12, size=16, n_classes=4, random_state=0)
    rgb = np.concatenate([X, X * 0.5, -X], axis=1)  # (n, 3, h, w)
    if layout == "last":
        rgb = np.moveaxis(rgb, 1, 3)
    seg = UNetSegmenter(widths=(4, 8), max_epochs=1, normalize="dataset", validation_fraction=0.25,
                        early_stopping=2, random_state=0).fit(rgb, y)
    assert seg.preprocessor_.channels_last_ == (layout == "last") and seg.n_features_in_ == 3
    assert seg.n_classes_ == 4 and "valid_iou" in seg.history_
    assert seg.predict(rgb).shape == (12, 16, 16)
    assert seg.predict_proba(rgb).shape == (12, 4, 16, 16)
    with pytest.raises(DataError, match="3 channel"):
        seg.predict(X[:, 0])


def test_segmenter_errors():
    X, y = make_shapes(6, size=16, random_state=0)
    seg = UNetSegmenter(widths=(4, 8), max_epochs=1, random_state=0)
    with pytest.raises(NotFittedError):
        seg.predict(X)
    with pytest.raises(DataError, match="6 images but 5 masks"):
        seg.fit(X, y[:5])
    with pytest.raises(DataError, match="height and width|size"):
        seg.fit(X, y[:, :8, :8])
    with pytest.raises(DataError, match="non-integer"):
        seg.fit(X, y + 0.5)
    with pytest.raises(DataError, match="negative"):
        seg.fit(X, y - 1)
    with pytest.raises(TargetError, match="only class 0"):
        seg.fit(X, np.zeros_like(y))
    with pytest.raises(DataError, match="n_classes"):
        UNetSegmenter(n_classes=2, widths=(4, 8), max_epochs=1).fit(X, y * 2)
    with pytest.raises(DataError, match="at least 16x16"):
        UNetSegmenter(widths=(4, 8, 8, 8, 8), max_epochs=1).fit(X[:, :, :8, :8], y[:, :8, :8])
    with pytest.raises(DataError, match="dimension"):
        seg.fit(X[0, 0], y[0])
    with pytest.raises(ParameterError, match="loss"):
        UNetSegmenter(loss="hinge", widths=(4, 8), max_epochs=1).fit(X, y)
    # float masks with whole values and boolean masks are fine
    assert UNetSegmenter(widths=(4, 8), max_epochs=1, random_state=0).fit(X, y.astype(bool)).n_classes_ == 2

"""Saliency and Grad-CAM: the maps point at what decides the class; PNG overlays; clear errors."""

import numpy as np
import pytest
import torch
from torch import nn

from deepmine.errors import DataError, NotFittedError, ParameterError
from deepmine.vision.explain import grad_cam, saliency, save_heatmap

SIZE = 16


def _corner_images(n, seed):
    """Noise images; class 1 has a bright 4x4 square in the top-left corner, class 0 has none."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 0.3, size=(n, SIZE, SIZE)).astype(np.float32)
    y = np.arange(n) % 2
    X[y == 1, 1:5, 1:5] += 2.0
    return X, y


class TinyCNN(nn.Module):
    """Shaped as deepmine's image CNNs: forward(x) = classifier(features(x))."""

    def __init__(self, n_out=2):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, n_out))

    def forward(self, x):
        return self.classifier(self.features(x))


class StandIn:
    """The parts of a fitted deepmine classifier that the explainers use."""

    def __init__(self, module, classes):
        self.module_, self.device_, self.classes_ = module, torch.device("cpu"), np.asarray(classes)

    def _prepare(self, X):
        X = np.asarray(X, dtype=np.float32)
        return X[:, None] if X.ndim == 3 else X


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    X, y = _corner_images(128, 0)
    net = TinyCNN()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    x, t = torch.as_tensor(X[:, None]), torch.as_tensor(y)
    for _ in range(60):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), t).backward()
        opt.step()
    net.eval()
    assert (net(x).argmax(1) == t).float().mean() > 0.95
    return StandIn(net, ["plain", "square"])


def _corner_share(maps):
    """The mean of each map in the square's quadrant over its mean elsewhere."""
    quad = maps[:, : SIZE // 2, : SIZE // 2].mean(axis=(1, 2))
    total = maps.sum(axis=(1, 2))
    rest = (total - quad * (SIZE // 2) ** 2) / (SIZE**2 - (SIZE // 2) ** 2)
    return quad / np.maximum(rest, 1e-9)


@pytest.mark.parametrize("explain", [saliency, grad_cam])
def test_maps_peak_on_the_deciding_square(model, explain):
    X, y = _corner_images(20, 1)
    maps = explain(model, X[y == 1])
    assert maps.shape == (10, SIZE, SIZE) and maps.dtype == np.float32
    assert maps.min() >= 0 and maps.max() <= 1 and np.allclose(maps.max(axis=(1, 2)), 1)
    assert (_corner_share(maps) > 2).all()
    peaks = [np.unravel_index(m.argmax(), m.shape) for m in maps]
    assert all(r < SIZE // 2 and c < SIZE // 2 for r, c in peaks)
    assert not model.module_.training  # the network's mode is left as found


def test_targets_by_label_and_per_image(model):
    X, y = _corner_images(6, 2)
    default = grad_cam(model, X)
    by_label = grad_cam(model, X, target=model.classes_[y])  # the true class is the predicted one here
    np.testing.assert_allclose(default, by_label, atol=1e-6)
    assert saliency(model, X, target="square").shape == (6, SIZE, SIZE)
    with pytest.raises(ParameterError, match="not one of the model's classes"):
        saliency(model, X, target="cat")
    with pytest.raises(ParameterError, match="one class per image"):
        grad_cam(model, X, target=["square", "plain"])


def test_one_logit_binary_network(model):
    class OneLogit(nn.Module):  # deepmine's binary classifiers output one logit (positive: classes_[1])
        def __init__(self, net):
            super().__init__()
            self.features = net.features
            self.head = net.classifier

        def classifier(self, maps):
            out = self.head(maps)
            return out[:, 1:] - out[:, :1]

        def forward(self, x):
            return self.classifier(self.features(x))

    X, y = _corner_images(4, 3)
    stand_in = StandIn(OneLogit(model.module_).eval(), model.classes_)
    np.testing.assert_allclose(saliency(stand_in, X, target="square"), saliency(stand_in, X, target="plain"),
                               atol=1e-6)  # |gradient| of +logit and -logit
    cam = grad_cam(stand_in, X[y == 1])
    assert (_corner_share(cam) > 2).all()


def test_errors(model):
    X, _ = _corner_images(2, 4)
    plain = StandIn(nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten()), ["a", "b"])
    assert saliency(plain, X).shape == (2, SIZE, SIZE)  # saliency needs nothing but a network
    with pytest.raises(ParameterError, match="features.*saliency"):
        grad_cam(plain, X)
    with pytest.raises(ParameterError, match="not a fitted deepmine deep model"):
        saliency(object(), X)

    from deepmine.vision.segmentation import UNetSegmenter

    with pytest.raises(NotFittedError):
        saliency(UNetSegmenter(), X)
    seg = StandIn(nn.Conv2d(1, 2, 1), ["a", "b"])  # per-pixel outputs: nothing to explain per image
    with pytest.raises(ParameterError, match="one row of logits"):
        saliency(seg, X)


def test_save_heatmap_writes_png(model, tmp_path):
    from PIL import Image

    X, y = _corner_images(2, 5)
    heat = grad_cam(model, X[1:2])[0]
    out = save_heatmap(X[1], heat, tmp_path / "sub" / "cam.png")
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size == (SIZE, SIZE) and im.mode == "RGB"
        pixels = np.asarray(im, dtype=float)
    # jet colours the peak red: the corner is redder than the opposite corner
    assert pixels[:4, :4, 0].mean() > pixels[-4:, -4:, 0].mean()
    assert [p.name for p in out.parent.iterdir()] == ["cam.png"]  # no temporary file left behind
    # colour images of either layout and 0-255 integers; a coarse map is resized to the image
    rgb = (np.random.default_rng(0).random((20, 30, 3)) * 255).astype(np.uint8)
    save_heatmap(rgb, np.ones((5, 5)) * 0.5, tmp_path / "rgb.png", alpha=0.3, cmap="inferno")
    save_heatmap(np.moveaxis(rgb, 2, 0), np.zeros((20, 30)), tmp_path / "chw.png", alpha=0.0)
    with Image.open(tmp_path / "chw.png") as im:
        np.testing.assert_array_equal(np.asarray(im), rgb)  # alpha 0 draws the image alone
    with Image.open(tmp_path / "rgb.png") as im:
        assert im.size == (30, 20)
    with pytest.raises(ParameterError, match="alpha"):
        save_heatmap(X[0], heat, tmp_path / "x.png", alpha=2)
    with pytest.raises(DataError, match="2-D"):
        save_heatmap(X[0], np.zeros((2, 4, 4)), tmp_path / "x.png")
    with pytest.raises(ParameterError, match="colour map"):
        save_heatmap(X[0], heat, tmp_path / "x.png", cmap="nope")


def test_real_cnn_classifier():
    classifiers = pytest.importorskip("deepmine.vision.classifiers")
    if not hasattr(classifiers, "CNNClassifier"):
        pytest.skip("deepmine.vision.classifiers has no CNNClassifier yet")
    X, y = _corner_images(64, 6)
    clf = classifiers.CNNClassifier(max_epochs=15, random_state=0).fit(X, np.where(y == 1, "square", "plain"))
    Xs = X[y == 1][:8]
    for explain in (saliency, grad_cam):
        maps = explain(clf, Xs)
        assert maps.shape[0] == 8 and maps.ndim == 3 and maps.min() >= 0 and maps.max() <= 1
        if (clf.predict(Xs) == "square").all():
            assert np.median(_corner_share(maps)) > 1.5

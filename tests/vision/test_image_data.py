"""Reading images (class folders, file lists, .npz), the ImagePreprocessor's input forms, and augmentation."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from sklearn.datasets import load_digits

from deepmine.errors import DataError, DataWarning
from deepmine.nn.vision import Augment, LeNet5, SmallResNet
from deepmine.vision.data import ImagePreprocessor, augment, image_files, load_images, to_images


def _gray(value, size=(8, 8)):
    arr = np.full(size, value, dtype=np.uint8)
    arr[1:3, 1:3] = 255 - value
    return Image.fromarray(arr, mode="L")


@pytest.fixture
def folder(tmp_path):
    """Two classes of grayscale PNGs, one a different size, a JPEG and a GIF, plus a README in the root."""
    root = tmp_path / "shapes"
    (root / "cat").mkdir(parents=True)
    (root / "dog").mkdir()
    for k in range(3):
        _gray(10 * k).save(root / "cat" / f"c{k}.png")
        _gray(200 - 10 * k).save(root / "dog" / f"d{k}.png")
    _gray(50, size=(16, 12)).save(root / "cat" / "big.png")  # another size: resized to 8x8
    _gray(90).save(root / "dog" / "d.jpg")
    _gray(120).save(root / "dog" / "d.gif")
    (root / "README.txt").write_text("photos of pets")
    return root


def test_folder_gives_images_labels_and_paths(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the root README is ignored silently
        images, labels, paths = load_images(folder)
    assert images.shape == (9, 8, 8, 1) and images.dtype == np.uint8
    assert list(labels) == ["cat"] * 4 + ["dog"] * 5
    assert [p.split("/")[-1] for p in paths[:4]] == ["big.png", "c0.png", "c1.png", "c2.png"]
    assert images[1, 0, 0, 0] == 0 and images[1, 1, 1, 0] == 255  # c0.png read as written
    resized, _, _ = load_images(folder, size=5)
    assert resized.shape == (9, 5, 5, 1)


def test_mixed_modes_become_rgb_and_integer_folder_names_integer_labels(tmp_path):
    (tmp_path / "0").mkdir()
    (tmp_path / "1").mkdir()
    _gray(30).save(tmp_path / "0" / "a.png")
    Image.new("RGB", (8, 8), (255, 0, 0)).save(tmp_path / "1" / "b.png")
    Image.new("RGBA", (8, 8), (0, 0, 255, 255)).save(tmp_path / "1" / "c.png")
    images, labels, _ = load_images(tmp_path)
    assert images.shape == (3, 8, 8, 3)
    assert labels.tolist() == [0, 1, 1]
    assert images[1, 4, 4].tolist() == [255, 0, 0] and images[2, 4, 4].tolist() == [0, 0, 255]
    assert images[0, 0, 0].tolist() == [30, 30, 30]
    gray, _, _ = load_images(tmp_path, mode="L")
    assert gray.shape == (3, 8, 8, 1)


def test_non_image_file_in_class_folder_is_skipped_with_a_warning(folder):
    (folder / "cat" / "notes.txt").write_text("not an image")
    with pytest.warns(DataWarning, match="notes.txt"):
        images, labels, _ = load_images(folder)
    assert len(images) == 9


def test_truncated_image_is_an_error_naming_it(folder):
    data = (folder / "cat" / "c0.png").read_bytes()
    (folder / "cat" / "broken.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="broken.png") as info:
        load_images(folder)
    assert "\n" not in str(info.value)


def test_empty_class_folder_and_empty_folder_are_errors(folder, tmp_path):
    (folder / "bird").mkdir()
    with pytest.raises(DataError, match="bird.*holds no images"):
        load_images(folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no images"):
        load_images(tmp_path / "empty")
    with pytest.raises(DataError, match="no such"):
        load_images(tmp_path / "missing")


def test_file_list_and_npz(folder, tmp_path):
    files = image_files([folder / "dog"])
    assert len(files) == 5
    images, labels, paths = load_images(files)
    assert images.shape == (5, 8, 8, 1) and labels is None and len(paths) == 5
    X = np.random.default_rng(0).integers(0, 256, (5, 3, 6, 6)).astype(np.uint8)
    np.savez(tmp_path / "set.npz", X=X, y=np.arange(5))
    images, labels, paths = load_images(tmp_path / "set.npz")
    assert images.shape == (5, 6, 6, 3) and labels.tolist() == [0, 1, 2, 3, 4] and paths is None
    np.testing.assert_array_equal(images[2, :, :, 1], X[2, 1])
    np.savez(tmp_path / "bad.npz", pixels=X)
    with pytest.raises(DataError, match="no array named X"):
        load_images(tmp_path / "bad.npz")


def test_input_forms_give_one_nchw_array():
    X, _ = load_digits(return_X_y=True)
    X = X[:20]
    flat = ImagePreprocessor().fit_transform(X)
    assert flat.shape == (20, 1, 8, 8) and flat.dtype == np.float32
    assert abs(flat.mean()) < 1e-5 and abs(flat.std() - 1) < 1e-4  # standardised with the fitted mean and sd
    cube = X.reshape(20, 8, 8)
    frame = pd.DataFrame(X, columns=[f"pixel_{i}" for i in range(64)])
    for form in (cube, cube[..., None], cube[:, None], frame):
        np.testing.assert_allclose(ImagePreprocessor().fit_transform(form), flat, atol=1e-5)
    pre = ImagePreprocessor(normalize=False).fit(X)
    assert pre.scale_ == 255.0 and pre.shape_ == (1, 8, 8)  # 0..16 pixels are above 1.5: divided by 255
    # a table with an extra column: the fitted pixel columns are used, in their order
    shuffled = frame.assign(id=np.arange(20))[["id"] + list(frame.columns[::-1])]
    np.testing.assert_allclose(ImagePreprocessor().fit(frame).transform(shuffled), flat, atol=1e-5)
    rect = ImagePreprocessor(image_shape=(4, 16)).fit_transform(X)
    assert rect.shape == (20, 1, 4, 16)
    with pytest.raises(DataError, match="not square images"):
        ImagePreprocessor().fit(X[:, :60])


def test_channels_resizing_and_saved_state():
    rgb = np.random.default_rng(0).integers(0, 256, (4, 10, 12, 3)).astype(np.uint8)
    pre = ImagePreprocessor(size=(6, 6)).fit(rgb)
    out = pre.transform(rgb)
    assert out.shape == (4, 3, 6, 6)
    np.testing.assert_allclose(pre.transform(rgb.transpose(0, 3, 1, 2)), out)  # channels first, same result
    again = ImagePreprocessor.from_state(pre.state_dict())
    np.testing.assert_array_equal(again.transform(rgb), out)
    with pytest.raises(DataError, match="3 channel"):
        pre.transform(np.zeros((2, 10, 12, 2)))


def test_file_paths_are_read_at_the_fitted_size(folder):
    files = [str(p) for p in image_files([folder / "cat"])]
    images, _ = to_images(files)
    pre = ImagePreprocessor(size=4).fit(images)
    assert pre.transform(files).shape == (4, 1, 4, 4)


def test_augment_shifts_without_flipping_by_default():
    x = np.zeros((64, 1, 8, 8), dtype=np.float32)
    x[:, 0, 3, 2] = 1.0  # one bright pixel left of centre
    out = augment(x, np.random.default_rng(0))
    assert out.shape == x.shape
    rows, cols = np.nonzero(out[:, 0].max(axis=0))
    assert set(rows) <= set(range(1, 6)) and set(cols) <= set(range(0, 5))  # moved by at most 2 pixels
    moved = (out != x).any(axis=(1, 2, 3)).mean()
    assert 0.5 < moved < 1.0  # most images moved, a few (offset 0, 0) not
    assert (out.sum(axis=(1, 2, 3)) == 1).all()  # nothing lost: the bright pixel stays inside
    np.testing.assert_array_equal(augment(x, 3), augment(x, 3))
    flipped = augment(x, np.random.default_rng(1), shift=0, flip=True)
    assert set(np.nonzero(flipped[:, 0, 3])[1]) == {2, 5}


def test_augmentation_acts_only_in_training_mode():
    torch.manual_seed(0)
    x = torch.randn(16, 1, 8, 8)
    for net in (LeNet5(1, 10, 8, 8), SmallResNet(1, 10, (8, 16), height=8, width=8)):
        net.eval()
        with torch.no_grad():
            np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())
            np.testing.assert_allclose(net(x).numpy(), net.classifier(net.features(x)).numpy(), atol=1e-6)
    aug = Augment(2)
    assert not torch.equal(aug.train()(x), x)
    assert torch.equal(aug.eval()(x), x)


@pytest.mark.parametrize("size", [8, 28])
def test_networks_expose_feature_maps(size):
    x = torch.randn(3, 1, size, size)
    for net in (LeNet5(1, 10, size, size), SmallResNet(1, 10, height=size, width=size)):
        maps = net.features(x)
        assert maps.ndim == 4 and maps.shape[0] == 3 and maps.shape[2] >= 2
        assert net.classifier(maps).shape == (3, 10)

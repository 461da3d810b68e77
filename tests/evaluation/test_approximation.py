"""The universal approximation demo: networks of growing width beside polynomials with as many parameters."""

import numpy as np
from typer.testing import CliRunner

from deepmine.cli.main import app
from deepmine.evaluation import approximation
from deepmine.evaluation.approximation import TARGETS, approximate, network_parameters, polynomial_degree


def test_the_polynomial_never_has_more_coefficients_than_the_network():
    for dims in (1, 2):
        for width in (1, 3, 16, 128):
            degree = polynomial_degree(network_parameters(width, dims), dims)
            coefficients = degree + 1 if dims == 1 else (degree + 1) * (degree + 2) // 2
            bigger = degree + 2 if dims == 1 else (degree + 2) * (degree + 3) // 2
            assert coefficients <= network_parameters(width, dims) < bigger


def test_error_falls_as_the_width_grows_on_the_smooth_function():
    smooth = [t for t in TARGETS if t.name == "smooth_1d"]
    errors, curves = approximate(targets=smooth, widths=(2, 8, 32), epochs=600)
    network = errors[errors.model == "network"].set_index("width")["rmse"]
    assert network[32] < network[8] < network[2] and network[32] < 0.5 * network[2]
    polynomial = errors[errors.model == "polynomial"].set_index("width")
    assert polynomial.loc[32, "rmse"] < 1e-6  # Weierstrass: a smooth function, many coefficients
    # ... and neither theorem says anything outside the domain, where the polynomial runs away
    assert polynomial.loc[32, "rmse_outside"] > 100 * errors[(errors.model == "network") & (errors.width == 32)][
        "rmse_outside"].iloc[0]
    assert np.isfinite(curves["smooth_1d"]["fits"][("network", 32)]).all()


def test_the_demo_stop_puts_its_figures_in_the_tour_index(tmp_path, monkeypatch):
    fast = approximation.approximate
    monkeypatch.setattr(approximation, "approximate", lambda **kw: fast(**{**kw, "widths": (1, 4), "epochs": 50}))
    result = CliRunner().invoke(app, ["--quiet", "demo", "--quick", "--only", "approximation", "--out",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    tour = next(tmp_path.glob("tour-*"))
    index = (tour / "index.html").read_text()
    assert "Can one hidden layer approximate any function?" in index and index.count("<svg") >= 3
    assert "What it does not promise" in index and "approximation/report.html" in index
    page = (tour / "approximation" / "report.html").read_text()
    assert "Every fit" in page and (tour / "approximation" / "approximation.csv").exists()

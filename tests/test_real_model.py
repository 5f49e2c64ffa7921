"""The trained-model branch of the Matimba estimate (real.model_point_estimate) on a tiny trained run (train.toy_dataset)."""
import numpy as np, pytest, torch, xarray as xr
from noxnb import real, train
from noxnb.grid import Grid

def test_model_point_estimate(tmp_path):
    torch.set_num_threads(1)
    data = train.toy_dataset(tmp_path / "ds", n=24, shape=(16, 16))
    train.fit("cvae", data, tmp_path / "run", train.train_config(None, epochs=1, width=8, depth=2, batch_size=4, patch=16), progress=False)
    g = Grid(-25.2, -22.95, 25.0, 29.0, 0.05)
    z = np.zeros(g.shape)
    f = xr.Dataset({"no2_trop": (("lat", "lon"), z + 2e-5, {"units": "mol m-2"}), "u": (("lat", "lon"), z - 5, {"units": "m s-1"}),
                    "v": (("lat", "lon"), z, {"units": "m s-1"}), "pblh": (("lat", "lon"), z + 1500, {"units": "m"}),
                    "t2m": (("lat", "lon"), z + 290, {"units": "K"})}, coords=g.coords, attrs={"time": "2021-07-25T11:44:52"})
    out = real.model_point_estimate(f, tmp_path / "run", {"radius_km": 30.0})
    assert out["method"] == "trained model (cvae)"
    assert np.isfinite(out["estimate_kg_s"]) and out["estimate_kg_s"] >= 0 and out["uncertainty_kg_s"] >= 0

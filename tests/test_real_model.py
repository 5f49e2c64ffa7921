"""The trained-model branch of the Matimba estimate (real.model_point_estimate) on a tiny run (testing.toy_dataset)."""
import numpy as np, pandas as pd, torch, xarray as xr
from noxnb import inventory, real, testing, train
from noxnb.grid import Grid

def test_model_point_estimate_uses_the_catalogue_prior(tmp_path):
    """An untrained prior-ratio model (learning rate 0) returns its prior at its 0.25° resolution: the estimate is each
    catalogued plant's rate times the fraction of its 0.25° cell inside the circle; the prior's own (0.05°) is the plants'."""
    torch.set_num_threads(1)
    data = testing.toy_dataset(tmp_path / "ds", n=24, shape=(16, 16))
    train.fit("unet", data, tmp_path / "run", train.train_config(None, epochs=1, width=8, depth=2, batch_size=4, patch=16,
                                                                lr=0.0, head="prior-ratio"), progress=False)
    rc = {"radius_km": 30.0, "matimba_box": [-25.2, -22.95, 25.0, 29.0], "matimba_res": 0.05}
    g = Grid(*rc["matimba_box"], rc["matimba_res"])
    z = np.zeros(g.shape)
    f = xr.Dataset({"no2_trop": (("lat", "lon"), z + 2e-5, {"units": "mol m-2"}), "u": (("lat", "lon"), z - 5, {"units": "m s-1"}),
                    "v": (("lat", "lon"), z, {"units": "m s-1"}), "pblh": (("lat", "lon"), z + 1500, {"units": "m"}),
                    "t2m": (("lat", "lon"), z + 290, {"units": "K"}),
                    "cloud_fraction": (("lat", "lon"), z + 0.1, {"units": "1"})}, coords=g.coords, attrs={"time": "2021-07-25T11:44:52"})
    model, prior = real.model_point_estimate(f, tmp_path / "run", rc)
    assert model["method"].startswith("trained model (unet)") and np.isnan(model["uncertainty_kg_s"])
    km = lambda la, lo: 6371.0 * np.hypot(np.deg2rad(la - real.MATIMBA["lat"]),
                                          np.deg2rad(lo - real.MATIMBA["lon"]) * np.cos(np.deg2rad(real.MATIMBA["lat"])))
    kg_s = lambda t_yr: t_yr * 1e3 / (365 * 86400)                            # t yr-1 → kg s-1 (2021)
    ps = inventory.load_point_sources("ZAF")
    d_km = km(ps.latitude, ps.longitude)
    expected = kg_s(ps.nox_emis_ty[d_km < 25].sum())                           # nothing at 25-35 km
    assert ps.nox_emis_ty[(d_km >= 25) & (d_km < 35)].sum() == 0
    np.testing.assert_allclose(prior["estimate_kg_s"], expected, rtol=1e-6)
    near = ps[d_km < 25]
    rng = np.random.default_rng(0)
    lat0, lon0 = (np.floor((near.latitude + 25.2) / 0.25) * 0.25 - 25.2).values, (np.floor((near.longitude - 25.0) / 0.25) * 0.25 + 25.0).values
    frac = []
    for a, b in zip(lat0, lon0):                                   # 0.25° cell of each plant, sampled uniformly in area
        la = np.rad2deg(np.arcsin(rng.uniform(np.sin(np.deg2rad(a)), np.sin(np.deg2rad(a + 0.25)), 200_000)))
        lo = rng.uniform(b, b + 0.25, 200_000)
        frac.append((km(la, lo) < 30.0).mean())
    smeared = kg_s((near.nox_emis_ty.values * np.array(frac)).sum())
    np.testing.assert_allclose(model["estimate_kg_s"], smeared, rtol=5e-3)
    assert model["estimate_kg_s"] < prior["estimate_kg_s"]

"""Tests of noxnb.tropomi, noxnb.pixels and noxnb.satellite beyond the notebooks: the L2 reader on a real-layout fixture written here with netCDF4 groups
(independently of `write_l2`), on the real ddeq Matimba file, on bad and fuzzed (corrupted/truncated) files, the
grid-s5p command end to end, and geometric properties of the exact overlaps against shapely."""
from pathlib import Path
import numpy as np
import pytest
import netCDF4
import xarray as xr
import shapely
from hypothesis import assume, given, settings, strategies as st, HealthCheck
from noxnb.core import NoxnbError, ddeq_file
from noxnb.grid import Grid
from noxnb import pixels, satellite as sat, tropomi
from conftest import run_python

MATIMBA = 'data/Matimba_S5P_RPRO_L2__NO2____20210725T110715.nc'


def write_fixture(path, n_scan=24, n_pix=16, units='mol m-2', drop=(), qa_low_cols=(0, 1)):
    """A small S5P L2 NO2 file in the operational layout: groups, time dim of 1, ubyte qa_value with scale_factor,
    float fill values, (time, scanline, ground_pixel, corner) bounds, delta_time in ms. Column = 1e-4 + 1e-6 * ground_pixel."""
    geo = pixels.orbit_geometry(n_scan, n_pix, 37., 117.)
    with netCDF4.Dataset(path, 'w') as nc:
        P = nc.createGroup('PRODUCT')
        for d, n in [('time', 1), ('scanline', n_scan), ('ground_pixel', n_pix), ('corner', 4), ('layer', 34), ('vertices', 2)]:
            P.createDimension(d, n)
        t = P.createVariable('time', 'i4', ('time',)); t.units = 'seconds since 2010-01-01 00:00:00'; t[:] = [364953600]
        dt = P.createVariable('delta_time', 'i4', ('time', 'scanline')); dt.units = 'milliseconds since 2021-07-25 00:00:00'
        dt[:] = 5 * 3600e3 + 840 * np.arange(n_scan)[None]
        dims = ('time', 'scanline', 'ground_pixel')
        col = 1e-4 + 1e-6 * np.arange(n_pix)[None, None, :] + np.zeros((1, n_scan, n_pix))
        col[0, 3, 5] = 9.96921e36  # a fill value
        for name, val, u in [('nitrogendioxide_tropospheric_column', col, units),
                             ('nitrogendioxide_tropospheric_column_precision', np.full_like(col, 1e-5), units),
                             ('latitude', geo.latitude.values[None], 'degrees_north'), ('longitude', geo.longitude.values[None], 'degrees_east')]:
            if name in drop: continue
            v = P.createVariable(name, 'f4', dims, fill_value=np.float32(9.96921e36)); v.units = u; v[:] = val
        qa = P.createVariable('qa_value', 'u1', dims, fill_value=np.uint8(255))
        qa.scale_factor, qa.add_offset = np.float32(0.01), np.float32(0.)
        q = np.ones((1, n_scan, n_pix)); q[..., list(qa_low_cols)] = 0.74
        qa[:] = q
        a = P.createVariable('tm5_constant_a', 'f4', ('layer', 'vertices')); a.units = 'Pa'; a[:] = np.ones((34, 2))
        b = P.createVariable('tm5_constant_b', 'f4', ('layer', 'vertices')); b.units = '1'; b[:] = np.zeros((34, 2))
        S = P.createGroup('SUPPORT_DATA')
        G = S.createGroup('GEOLOCATIONS')
        for name in ('latitude_bounds', 'longitude_bounds'):
            if name in drop: continue
            v = G.createVariable(name, 'f4', dims + ('corner',)); v[:] = geo[name].values[None]
        I = S.createGroup('INPUT_DATA')
        v = I.createVariable('surface_pressure', 'f4', dims); v.units = 'Pa'; v[:] = np.full((1, n_scan, n_pix), 95000.)
    return path


@pytest.fixture
def l2file(tmp_path):
    return write_fixture(tmp_path / 'S5P_OFFL_L2__NO2____20210725T045000_fixture.nc')


def test_reader_on_real_layout(l2file):
    ds = tropomi.read_l2(l2file)
    assert ds.sizes == {'scanline': 24, 'ground_pixel': 16, 'corner': 4, 'layer': 34, 'vertices': 2}
    c = ds[tropomi.COL].values
    assert np.isnan(c[:, :2]).all()            # qa 0.74 filtered
    assert np.isnan(c[3, 5])                   # fill value
    np.testing.assert_allclose(c[0, 2:], 1e-4 + 1e-6 * np.arange(2, 16), rtol=1e-6)
    assert ds.attrs['n_valid_pixels'] == 24 * 14 - 1
    assert str(ds.time.values[0]) == '2021-07-25T05:00:00.000000000'
    assert ds.time.values[1] - ds.time.values[0] == np.timedelta64(840, 'ms')
    np.testing.assert_allclose(ds.surface_pressure.values, 95000.)
    assert ds.tm5_constant_a.shape == (34, 2)
    low = tropomi.read_l2(l2file, qa=0.5)
    assert np.isfinite(low[tropomi.COL].values[:, :2]).all()


def test_reader_crops_before_loading(l2file):
    full = tropomi.read_l2(l2file)
    lat, lon = float(full.latitude[12, 8]), float(full.longitude[12, 8])
    ds = tropomi.read_l2(l2file, region=(lat - 0.01, lat + 0.01, lon - 0.01, lon + 0.01))
    assert ds.sizes['scanline'] < 24 and ds.sizes['ground_pixel'] < 16
    assert (np.abs(ds.latitude - lat) < 0.3).all()


def test_reader_on_ddeq_matimba():
    ds = tropomi.read_l2(ddeq_file(MATIMBA))
    assert ds.attrs['layout'] == 'ddeq' and ds.attrs['n_valid_pixels'] == 10310
    g = Grid(-24.5, -23., 26., 28.5, 0.05)
    out = pixels.oversample(ds, g)
    # the plume: the highest gridded column lies within 0.5 degree downwind (west) of Matimba (27.61E, -23.67N)
    j, i = np.unravel_index(int(np.nanargmax(out.no2_trop.values)), out.no2_trop.shape)
    assert abs(g.lat[j] + 23.67) < 0.5 and 26.9 < g.lon[i] < 27.8
    assert float(out.no2_trop.max()) > 2e-4


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize('case, message', [
    ('text', 'not a netCDF file'), ('empty', 'not a netCDF file'), ('missing', 'no such file'),
    ('truncated', 'trunc'), ('nogroup', "missing group 'PRODUCT'"), ('novar', "missing variable 'PRODUCT/nitrogendioxide_tropospheric_column_precision'"),
    ('nobounds', "missing variable 'PRODUCT/SUPPORT_DATA/GEOLOCATIONS/latitude_bounds'"), ('units', "units 'molec cm-2'"),
    ('filtered', 'pixels filtered'), ('outside', 'outside the orbit')])
def test_bad_inputs(tmp_path, case, message):
    good = write_fixture(tmp_path / 'good.nc')
    kw = {}
    if case == 'text': p = _write(tmp_path, 'a.nc', b'hello world, not netCDF')
    elif case == 'empty': p = _write(tmp_path, 'a.nc', b'')
    elif case == 'missing': p = tmp_path / 'nothere.nc'
    elif case == 'truncated': p = _write(tmp_path, 'trunc.nc', good.read_bytes()[:len(good.read_bytes()) // 3])
    elif case == 'nogroup':
        p = tmp_path / 'flat.nc'
        with netCDF4.Dataset(p, 'w') as nc: nc.createDimension('x', 2); nc.createVariable('x', 'f4', ('x',))
    elif case == 'novar': p = write_fixture(tmp_path / 'novar.nc', drop=('nitrogendioxide_tropospheric_column_precision',))
    elif case == 'nobounds': p = write_fixture(tmp_path / 'nob.nc', drop=('latitude_bounds',))
    elif case == 'units': p = write_fixture(tmp_path / 'u.nc', units='molec cm-2')
    elif case == 'filtered': p = write_fixture(tmp_path / 'f.nc', qa_low_cols=range(16))
    elif case == 'outside': p, kw = good, dict(region=(-40., -30., 0., 10.))
    with pytest.raises(NoxnbError, match=None) as e:
        tropomi.read_l2(p, **kw)
    assert message in str(e.value) and p.name in str(e.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_corrupted_files(tmp_path, data):
    "Corrupt bytes or truncate a valid file: the reader returns pixels or raises NoxnbError, never another exception."
    good = tmp_path / 'good.nc'
    if not good.exists(): write_fixture(good)
    raw = bytearray(good.read_bytes())
    if data.draw(st.booleans(), label='truncate'):
        raw = raw[:data.draw(st.integers(0, len(raw) - 1), label='length')]
    else:
        for _ in range(data.draw(st.integers(1, 20), label='n_flips')):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    p = tmp_path / 'fuzz.nc'
    p.write_bytes(bytes(raw))
    try:
        ds = tropomi.read_l2(p)
    except NoxnbError as e:
        assert 'fuzz.nc' in str(e)
    else:
        assert isinstance(ds, xr.Dataset) and ds.attrs['n_valid_pixels'] > 0


def test_synthetic_round_trip_through_files(tmp_path):
    "CTM-like column -> L2 pixels -> operational file -> reader -> grid: recovers the column within the noise."
    g = Grid(36., 38., 116., 118., 0.125)
    truth = xr.DataArray(6e-5 + 3e-5 * np.cos(np.deg2rad(g.lat * 120))[:, None] * np.ones(g.shape[1]),
                         dims=('lat', 'lon'), coords={'lat': g.lat, 'lon': g.lon})
    px = sat.make_l2_pixels(truth, pixels.orbit_geometry(120, 100, 37., 117.), seed=3, noise_fraction=0.1,
                            cloud_probability=0.2, cloud_length_km=30., time=np.datetime64('2021-07-25T05:30'))
    f = tropomi.write_l2(px, tmp_path / 'S5P_SYN_L2__NO2____.nc')
    rd = tropomi.read_l2(f, region=g)
    out = pixels.oversample(rd, g)
    ok = out.weight.values > 0.9
    z = ((out.no2_trop - truth) / out.no2_trop_sigma).values[ok]
    assert ok.sum() > 150 and abs(z.mean()) < 0.25 and 0.75 < z.std() < 1.25


def _cli(args, cwd):
    return run_python(*args, func='noxnb.satellite:grid_s5p_cli', cwd=cwd, timeout=None)


def test_cli_end_to_end(tmp_path, l2file):
    far = write_fixture(tmp_path / 'far.nc')  # same orbit; skipped files are tested with a region outside below
    out = tmp_path / 'day.nc'
    r = _cli([l2file, far, '--grid', '36.5,37.5,116.5,117.5,0.05', '--out', out], tmp_path)
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(out)
    assert ds.no2_trop.dims == ('lat', 'lon') and ds.no2_trop.attrs['units'] == 'mol m-2'
    assert ds.no2_trop.attrs['standard_name'] == 'troposphere_mole_content_of_nitrogen_dioxide'
    assert ds.attrs['Conventions'].startswith('CF') and {'no2_trop_sigma', 'weight', 'valid'} <= set(ds)
    v = ds.no2_trop.values[ds.valid.values == 1]
    assert len(v) > 50 and np.all((v > 1e-4 - 1e-9) & (v < 1.16e-4))
    r = _cli([l2file, '--grid=-40,-39,0,1,0.05', '--out', tmp_path / 'none.nc'], tmp_path)
    assert r.returncode == 2 and 'skipped' in r.stderr and 'none of 1 file' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'none.nc').exists()
    r = _cli([tmp_path / 'missing.nc', '--grid', '36,37,116,117,0.05', '--out', tmp_path / 'x.nc'], tmp_path)
    assert r.returncode == 2 and 'no such file' in r.stderr


quads = st.tuples(st.floats(0.5, 7.5), st.floats(0.5, 7.5), st.floats(0.05, 2.), st.floats(0.05, 2.), st.floats(0, 6.3),
                  st.floats(-0.4, 0.4))


@settings(max_examples=80, deadline=None)
@given(quads)
def test_overlaps_match_shapely(q):
    "Random convex quadrilaterals (rotated, skewed): overlaps equal shapely's exact intersections; they sum to the area."
    cx, cy, a, b, th, sk = q
    ang = th + np.array([0, np.pi / 2 + sk, np.pi, 3 * np.pi / 2 + sk])
    x, y = cx + a * np.cos(ang), cy + b * np.sin(ang)
    poly = shapely.Polygon(np.c_[x, y])
    assume(poly.is_valid and poly.area >= 1e-6)
    g = Grid(0., 9., 0., 9., 1.)
    for engine in ['numpy'] + (['numba'] if pixels.numba else []):
        pix, cell, area = pixels.pixel_overlaps(y[None], x[None], g, engine)
        ref = {j * 9 + i: shapely.intersection(poly, shapely.box(i, j, i + 1, j + 1)).area for j in range(9) for i in range(9)}
        got = dict(zip(cell.tolist(), area.tolist()))
        for c in set(ref) | set(got):
            assert abs(got.get(c, 0.) - ref[c]) <= 1e-9 * max(1., ref[c])
        if shapely.box(0, 0, 9, 9).contains(poly): assert abs(area.sum() - poly.area) < 1e-9

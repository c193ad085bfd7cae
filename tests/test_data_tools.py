"Tests for data_tools/: resumable download, checksums, archive checks and unpacking, on local archives and a local server."
import hashlib, io, socket, subprocess, sys, tarfile, threading, urllib.error, zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import numpy as np
import pytest
from trickvos.data import load_davis, load_youtube_vos
from vos_toy import make_davis, make_youtube

TOOLS = Path(__file__).resolve().parent.parent/'data_tools'
sys.path.insert(0, str(TOOLS))
import _download as dl
import download_davis2017 as davis_script
import download_youtube_vos2019 as ytvos_script

BLOB = np.random.default_rng(0).integers(0, 256, 300_000, dtype=np.uint8).tobytes()

def zip_folder(src, archive, prefix=''):
    "Zip everything under `src` with member names prefixed by `prefix`."
    with zipfile.ZipFile(archive, 'w') as z:
        for p in sorted(Path(src).rglob('*')): z.write(p, prefix + p.relative_to(src).as_posix())
    return archive

@pytest.fixture
def server():
    "A local HTTP server for `server.files` honouring Range requests (unless `server.ranges` is False)."
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def do_GET(self):
            data = srv.files.get(self.path)
            if data is None: self.send_error(404); return
            rng = self.headers.get('Range'); srv.seen.append(rng)
            start = int(rng.split('=')[1].split('-')[0]) if rng and srv.ranges else 0
            if start >= len(data) and rng and srv.ranges:
                self.send_response(416); self.send_header('Content-Range', f'bytes */{len(data)}'); self.end_headers(); return
            body = data[start:]
            self.send_response(206 if start else 200)
            if start: self.send_header('Content-Range', f'bytes {start}-{len(data) - 1}/{len(data)}')
            self.send_header('Content-Length', str(len(body))); self.end_headers()
            self.wfile.write(body[:srv.cut] if srv.cut else body)
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.files, srv.seen, srv.ranges, srv.cut = {'/blob.bin': BLOB}, [], True, None
    srv.url = f'http://127.0.0.1:{srv.server_port}'
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown(); srv.server_close()

def closed_port():
    "A local port nobody listens on: connecting to it fails at once, like having no network."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

quiet = lambda msg: None

# --- fetch -------------------------------------------------------------------------------------------------

def test_fetch_file_url(tmp_path):
    src = tmp_path/'src.bin'; src.write_bytes(BLOB)
    out = dl.fetch(src.as_uri(), tmp_path/'dl'/'x.bin', log=quiet)
    assert out.read_bytes() == BLOB and not (tmp_path/'dl'/'x.bin.part').exists()

def test_fetch_resumes_partial_download(tmp_path, server):
    dest = tmp_path/'blob.bin'
    (tmp_path/'blob.bin.part').write_bytes(BLOB[:100_000])
    dl.fetch(server.url + '/blob.bin', dest, log=quiet)
    assert server.seen == ['bytes=100000-'] and dest.read_bytes() == BLOB

def test_fetch_restarts_when_server_ignores_range(tmp_path, server):
    server.ranges = False
    (tmp_path/'blob.bin.part').write_bytes(b'x'*1000)
    dl.fetch(server.url + '/blob.bin', tmp_path/'blob.bin', log=quiet)
    assert (tmp_path/'blob.bin').read_bytes() == BLOB

def test_fetch_part_already_complete(tmp_path, server):
    (tmp_path/'blob.bin.part').write_bytes(BLOB)
    dl.fetch(server.url + '/blob.bin', tmp_path/'blob.bin', log=quiet)
    assert server.seen == [f'bytes={len(BLOB)}-'] and (tmp_path/'blob.bin').read_bytes() == BLOB

def test_fetch_interrupted_then_resumed(tmp_path, server):
    server.cut = 120_000  # the connection drops after 120 kB
    with pytest.raises(dl.DownloadError, match='stopped at 120000 of 300000 bytes; run again to resume'):
        dl.fetch(server.url + '/blob.bin', tmp_path/'blob.bin', log=quiet)
    assert (tmp_path/'blob.bin.part').stat().st_size == 120_000 and not (tmp_path/'blob.bin').exists()
    server.cut = None
    dl.fetch(server.url + '/blob.bin', tmp_path/'blob.bin', log=quiet)
    assert server.seen[-1] == 'bytes=120000-' and (tmp_path/'blob.bin').read_bytes() == BLOB

def test_fetch_http_error(tmp_path, server):
    with pytest.raises(dl.DownloadError, match=r'HTTP 404.*\nget it by hand'):
        dl.fetch(server.url + '/nope.zip', tmp_path/'nope.zip', manual='get it by hand', log=quiet)

def test_fetch_offline_message(tmp_path, monkeypatch):
    url = f'http://127.0.0.1:{closed_port()}/DAVIS.zip'
    with pytest.raises(dl.DownloadError, match=r'could not reach .*DAVIS\.zip.*\nNo network connection\?.*--archive.*\nHINT'):
        dl.fetch(url, tmp_path/'d.zip', manual='HINT', log=quiet)
    def no_dns(*a, **k): raise urllib.error.URLError(socket.gaierror(-3, 'Temporary failure in name resolution'))
    monkeypatch.setattr(dl.urllib.request, 'urlopen', no_dns)
    with pytest.raises(dl.DownloadError, match='Temporary failure in name resolution.*\nNo network connection'):
        dl.fetch('https://example.org/x.zip', tmp_path/'x.zip', log=quiet)

# --- checksums and archives --------------------------------------------------------------------------------

def test_verify_checksum(tmp_path):
    p = tmp_path/'a.zip'; p.write_bytes(BLOB)
    md5, sha = hashlib.md5(BLOB).hexdigest(), hashlib.sha256(BLOB).hexdigest()
    assert dl.file_hashes(p) == {'md5': md5, 'sha256': sha}
    dl.verify_checksum(p, md5=md5.upper(), sha256=sha, log=quiet)
    dl.verify_checksum(p, log=quiet)  # nothing published: nothing to compare
    with pytest.raises(dl.DownloadError, match=rf'a\.zip: checksum mismatch: expected sha256 {"0"*64}, got {sha}.*moved to .*a\.zip\.bad'):
        dl.verify_checksum(p, sha256='0'*64, log=quiet)
    assert not p.exists() and (tmp_path/'a.zip.bad').read_bytes() == BLOB
    with pytest.raises(dl.DownloadError, match=r'checksum mismatch: expected md5 0+, got .*one\.$'):
        dl.verify_checksum(tmp_path/'a.zip.bad', md5='0'*32, move_bad=False, log=quiet)
    assert (tmp_path/'a.zip.bad').exists()  # a file the user gave is never moved

def test_check_archive_corrupt_and_unsafe(tmp_path):
    good = tmp_path/'good.zip'
    with zipfile.ZipFile(good, 'w') as z: z.writestr('DAVIS/a.txt', b'hello world ' * 50)
    assert dl.check_archive(good) == ['DAVIS/a.txt']
    raw = bytearray(good.read_bytes()); i = raw.index(b'hello'); raw[i:i + 5] = b'HELLO'
    (tmp_path/'bad.zip').write_bytes(bytes(raw))
    with pytest.raises(dl.DownloadError, match=r'bad\.zip: member DAVIS/a\.txt is corrupt \(CRC mismatch\)'):
        dl.check_archive(tmp_path/'bad.zip')
    with zipfile.ZipFile(tmp_path/'evil.zip', 'w') as z: z.writestr('../evil.txt', b'x')
    with pytest.raises(dl.DownloadError, match=r'member \.\./evil\.txt would be written outside'): dl.check_archive(tmp_path/'evil.zip')
    (tmp_path/'login.html').write_text('<html>please sign in</html>')
    with pytest.raises(dl.DownloadError, match='not a zip or tar archive'): dl.check_archive(tmp_path/'login.html')
    (tmp_path/'cut.zip').write_bytes(good.read_bytes()[:-30])
    with pytest.raises(dl.DownloadError, match=r'cut\.zip: (broken archive|not a zip)'): dl.check_archive(tmp_path/'cut.zip')

def test_unpack_stages_then_moves(tmp_path):
    arc = tmp_path/'a.tar.gz'
    with tarfile.open(arc, 'w:gz') as t:
        info = tarfile.TarInfo('top/x.txt'); info.size = 3; t.addfile(info, io.BytesIO(b'abc'))
    (tmp_path/'out'/'.a.tar.gz.unpacking'/'junk').mkdir(parents=True)  # left by an interrupted run
    assert dl.unpack(arc, tmp_path/'out', log=quiet) == [tmp_path/'out'/'top']
    assert sorted(p.name for p in (tmp_path/'out').iterdir()) == ['top'] and (tmp_path/'out/top/x.txt').read_text() == 'abc'
    with pytest.raises(dl.DownloadError, match='already exists but is incomplete'): dl.unpack(arc, tmp_path/'out', log=quiet)

# --- DAVIS 2017 script -------------------------------------------------------------------------------------

@pytest.fixture
def davis_zip(tmp_path):
    "A toy DAVIS-2017-trainval-480p.zip: DAVIS/JPEGImages/480p, Annotations/480p, ImageSets/2016|2017."
    src = tmp_path/'src'
    make_davis(src, {'bear': (4, 1), 'dogs': (3, 2), 'goat': (3, 1)}, splits={'train': ['bear'], 'val': ['dogs', 'goat']})
    for split, names in {'train': ['bear'], 'val': ['goat']}.items():
        (src/'ImageSets/2016').mkdir(parents=True, exist_ok=True); (src/'ImageSets/2016'/f'{split}.txt').write_text('\n'.join(names))
    return zip_folder(src, tmp_path/'DAVIS-2017-trainval-480p.zip', 'DAVIS/')

def test_davis_script_download_and_layout(tmp_path, davis_zip, capsys):
    sha = hashlib.sha256(davis_zip.read_bytes()).hexdigest()
    dest = tmp_path/'data'
    assert davis_script.main(['--dest', str(dest), '--url', davis_zip.as_uri(), '--sha256', sha]) == 0
    out = capsys.readouterr().out
    assert 'ImageSets/2017/val.txt: 2 sequences' in out and "load_davis(" in out
    assert [v.name for v in load_davis(dest/'DAVIS', split='val')] == ['dogs', 'goat']
    assert load_davis(dest/'DAVIS', split='val')[0].object_ids == [1, 2]
    assert [(v.name, v.object_ids) for v in load_davis(dest, year=2016, split='val')] == [('goat', [1])]
    assert sorted(p.name for p in dest.iterdir()) == ['DAVIS', 'DAVIS-2017-trainval-480p.zip']
    # a second run finds everything in place and downloads nothing (the URL is unreachable now)
    assert davis_script.main(['--dest', str(dest), '--url', f'http://127.0.0.1:{closed_port()}/x.zip']) == 0
    assert 'already in place' in capsys.readouterr().err

def test_davis_script_resumes_over_http(tmp_path, davis_zip, server):
    data = davis_zip.read_bytes()
    server.files['/DAVIS-2017-trainval-480p.zip'] = data
    dest = tmp_path/'data'; dest.mkdir()
    (dest/'DAVIS-2017-trainval-480p.zip.part').write_bytes(data[:len(data)//2])
    assert davis_script.main(['--dest', str(dest), '--url', server.url + '/DAVIS-2017-trainval-480p.zip', '--remove-archive']) == 0
    assert server.seen == [f'bytes={len(data)//2}-']
    assert sorted(p.name for p in dest.iterdir()) == ['DAVIS'] and len(load_davis(dest/'DAVIS')) == 2

def test_davis_script_checksum_mismatch(tmp_path, davis_zip, capsys):
    rc = davis_script.main(['--dest', str(tmp_path/'data'), '--archive', str(davis_zip), '--md5', '0'*32])
    err = capsys.readouterr().err
    assert rc == 2 and 'checksum mismatch: expected md5 00000000' in err and not (tmp_path/'data'/'DAVIS').exists()
    assert davis_zip.exists()  # the user's own archive stays where it was
    data = davis_zip.read_bytes()
    rc = davis_script.main(['--dest', str(tmp_path/'data'), '--url', davis_zip.as_uri(), '--md5', '0'*32])
    assert rc == 2 and (tmp_path/'data'/f'{davis_zip.name}.bad').read_bytes() == data  # a bad download is moved aside
    assert 'Run again to download it afresh' in capsys.readouterr().err

def test_davis_script_offline(tmp_path):
    r = subprocess.run([sys.executable, str(TOOLS/'download_davis2017.py'), '--dest', str(tmp_path),
                        '--url', f'http://127.0.0.1:{closed_port()}/DAVIS-2017-trainval-480p.zip'],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and 'No network connection?' in r.stderr and davis_script.PAGE in r.stderr
    assert '--archive path/to/DAVIS-2017-trainval-480p.zip' in r.stderr

def test_davis_script_incomplete_archive(tmp_path, capsys):
    src = tmp_path/'src'; make_davis(src, {'bear': (3, 1)})  # no ImageSets
    arc = zip_folder(src, tmp_path/'d.zip', 'DAVIS/')
    rc = davis_script.main(['--dest', str(tmp_path/'data'), '--archive', str(arc)])
    assert rc == 2 and 'expected layout is incomplete; missing: ' in capsys.readouterr().err

# --- YouTube-VOS 2019 script -------------------------------------------------------------------------------

def test_ytvos_script_archives(tmp_path, capsys):
    src = make_youtube(make_youtube(tmp_path/'src', 'train'), 'valid')
    valid = zip_folder(src/'valid', tmp_path/'valid.zip', 'valid/')
    train = tmp_path/'train.tar.gz'
    with tarfile.open(train, 'w:gz') as t: t.add(src/'train', 'youtube-vos/train')  # an extra top folder
    dest = tmp_path/'yt'
    assert ytvos_script.main(['--archive', str(valid), '--dest', str(dest)]) == 0
    assert ytvos_script.main(['--archive', str(train), '--dest', str(dest)]) == 0
    assert 'valid: 2 videos' in capsys.readouterr().out
    a = load_youtube_vos(dest, 'valid')[0]
    assert a.annotated == [0, 2] and a.object_first_frame == {1: 0, 2: 2}
    assert [v.name for v in load_youtube_vos(dest, 'train')] == ['vid_a', 'vid_b']
    assert ytvos_script.main(['--archive', str(tmp_path/'gone.zip'), '--dest', str(dest), '--split', 'valid']) == 0

def test_ytvos_script_unknown_split(tmp_path, capsys):
    src = make_youtube(tmp_path/'src', 'valid')
    arc = zip_folder(src/'valid', tmp_path/'mine.zip', 'stuff/')
    assert ytvos_script.main(['--archive', str(arc), '--dest', str(tmp_path/'yt')]) == 2
    assert "which split the archive folder 'stuff' holds; pass --split" in capsys.readouterr().err
    assert ytvos_script.main(['--archive', str(arc), '--dest', str(tmp_path/'yt'), '--split', 'valid']) == 0
    assert len(load_youtube_vos(tmp_path/'yt', 'valid')) == 2

def test_ytvos_help_and_offline(tmp_path):
    h = subprocess.run([sys.executable, str(TOOLS/'download_youtube_vos2019.py'), '--help'], capture_output=True, text=True, timeout=60)
    assert h.returncode == 0 and 'codalab.org/competitions/20127' in h.stdout and 'train.zip' in h.stdout
    r = subprocess.run([sys.executable, str(TOOLS/'download_youtube_vos2019.py'), '--dest', str(tmp_path),
                        '--url', f'http://127.0.0.1:{closed_port()}/valid.zip'], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and 'No network connection?' in r.stderr and 'codalab' in r.stderr

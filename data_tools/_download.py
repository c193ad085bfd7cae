"""Download, verify and unpack dataset archives: the logic the `data_tools` scripts share (standard library only).

- `fetch`: download a URL into a file, resuming a partial `<file>.part` with an HTTP Range request.
- `verify_checksum`: md5 / sha256 of a file against published values (a bad file is moved aside to `<file>.bad`).
- `check_archive`: every member of a zip (CRC) or tar archive reads back intact, and no member escapes the folder.
- `unpack`: extract into a staging folder next to the destination, then move the finished folders into place.
- `prepare`: the whole chain, skipped when the expected layout is already there.
"""
from __future__ import annotations
import hashlib, shutil, sys, tarfile, urllib.error, urllib.parse, urllib.request, zipfile
from pathlib import Path, PurePosixPath

CHUNK = 1 << 20

class DownloadError(RuntimeError):
    "Downloading, checking or unpacking failed; the message says what happened and what to do."

def _log(msg): print(msg, file=sys.stderr, flush=True)

def offline_message(url, err, manual):
    "The message for an unreachable URL: no network, and how to get the file by hand."
    reason = getattr(err, 'reason', err)
    return (f'could not reach {url} ({reason}).\nNo network connection? This machine cannot download the dataset. '
            f'Download it by hand on a machine with internet access, copy it here, and pass it with --archive.\n{manual}')

def fetch(url, dest, manual='', timeout=60, log=_log):
    "Download `url` to `dest`, resuming `dest.part` left by an interrupted run; returns `dest`."
    dest = Path(dest)
    if dest.is_file(): log(f'{dest} is already downloaded'); return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + '.part')
    have = part.stat().st_size if part.is_file() else 0
    req = urllib.request.Request(url, headers={'Range': f'bytes={have}-'} if have else {})
    try: resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing after byte `have`: the previous run got the whole file
            part.rename(dest); return dest
        raise DownloadError(f'{url}: the server answered HTTP {e.code} {e.reason}.\n{manual}') from None
    except (urllib.error.URLError, OSError) as e: raise DownloadError(offline_message(url, e, manual)) from None
    with resp:
        if have and getattr(resp, 'status', None) == 206:
            start = resp.headers.get('Content-Range', f'bytes {have}-').split()[-1].split('-')[0]
            if start != str(have): raise DownloadError(f'{url}: the server resumed at byte {start}, not {have}; '
                                                       f'delete {part} and run again')
            log(f'resuming {dest.name} at {have/2**20:.1f} MiB')
        elif have: log(f'{url} cannot resume (no HTTP Range support); starting again'); have = 0
        length = resp.headers.get('Content-Length')
        total = have + int(length) if length is not None else None
        with open(part, 'ab' if have else 'wb') as f:
            try:
                while chunk := resp.read(CHUNK): f.write(chunk)
            except OSError as e:
                raise DownloadError(f'download of {url} broke off after {f.tell()} bytes ({e}); run again to resume') from None
    got = part.stat().st_size
    if total is not None and got != total:
        raise DownloadError(f'download of {url} stopped at {got} of {total} bytes; run again to resume')
    part.rename(dest)
    log(f'downloaded {dest} ({got/2**20:.1f} MiB)')
    return dest

def file_hashes(path, algos=('md5', 'sha256')):
    "Hex digests of a file, read once."
    hs = {a: hashlib.new(a) for a in algos}
    with open(path, 'rb') as f:
        while chunk := f.read(CHUNK):
            for h in hs.values(): h.update(chunk)
    return {a: h.hexdigest() for a, h in hs.items()}

def verify_checksum(path, md5=None, sha256=None, move_bad=True, log=_log):
    "Compare a file with its published md5/sha256; a mismatching download is moved to `<file>.bad`."
    want = {a: v.lower() for a, v in (('md5', md5), ('sha256', sha256)) if v}
    if not want: log(f'no published checksum for {Path(path).name}: checking the archive members only'); return
    got = file_hashes(path, tuple(want))
    bad = [a for a in want if got[a] != want[a]]
    if bad:
        path, a = Path(path), bad[0]
        msg = f'{path}: checksum mismatch: expected {a} {want[a]}, got {got[a]}. The file is corrupt or not the published one'
        if not move_bad: raise DownloadError(msg + '.')
        moved = path.with_name(path.name + '.bad')
        path.replace(moved)
        raise DownloadError(msg + f'; it was moved to {moved}. Run again to download it afresh.')
    log(f'{Path(path).name}: {", ".join(want)} OK')

def _safe_name(name):
    "True when an archive member stays inside the folder it is extracted into."
    p = PurePosixPath(name.replace('\\', '/'))
    return not p.is_absolute() and '..' not in p.parts and ':' not in (p.parts[0] if p.parts else '')

def check_archive(archive):
    "Read every member of a zip or tar archive back (CRC-checked for zip); return the member names."
    archive = Path(archive)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                broken = z.testzip()
                if broken: raise DownloadError(f'{archive}: member {broken} is corrupt (CRC mismatch); download it again')
                names = z.namelist()
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as t:
                members = t.getmembers()
                for m in members:
                    if m.issym() or m.islnk(): raise DownloadError(f'{archive}: member {m.name} is a link; refusing to unpack')
                    if m.isfile(): t.extractfile(m).read()
                names = [m.name for m in members]
        else: raise DownloadError(f'{archive}: not a zip or tar archive (an HTML login page saved by mistake?)')
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as e:
        raise DownloadError(f'{archive}: broken archive ({e}); download it again') from None
    unsafe = [n for n in names if not _safe_name(n)]
    if unsafe: raise DownloadError(f'{archive}: member {unsafe[0]} would be written outside the destination; refusing')
    return names

def unpack(archive, dest, place=None, log=_log):
    "Extract `archive` into a staging folder in `dest`, then move what `place(staging)` names into `dest`."
    archive, dest = Path(archive), Path(dest)
    check_archive(archive)
    staging = dest/f'.{archive.name}.unpacking'
    if staging.exists(): shutil.rmtree(staging)  # left by an interrupted run
    staging.mkdir(parents=True)
    log(f'unpacking {archive.name} ...')
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z: z.extractall(staging)
    else:
        with tarfile.open(archive) as t: t.extractall(staging, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
    moves = place(staging) if place else [(p, dest/p.name) for p in sorted(staging.iterdir())]
    for src, target in moves:
        if target.exists(): raise DownloadError(f'{target} already exists but is incomplete; move it away and run again')
        target.parent.mkdir(parents=True, exist_ok=True)
        src.rename(target)
        log(f'unpacked {target}')
    shutil.rmtree(staging)
    return [t for _, t in moves]

def find_roots(staging, marker='JPEGImages', depth=3):
    "Folders under `staging` (at most `depth` levels down) that hold a `marker` folder: the dataset roots."
    found, level = [], [Path(staging)]
    for _ in range(depth):
        found += [d for d in level if (d/marker).is_dir()]
        level = [c for d in level if not (d/marker).is_dir() for c in sorted(d.iterdir()) if c.is_dir()]
    return found

def missing(root, required):
    "The paths of `required` (relative to `root`) that do not exist."
    return [str(Path(root)/r) for r in required if not (Path(root)/r).exists()]

def prepare(dest, still_missing, url=None, archive=None, download_dir=None, md5=None, sha256=None, place=None, manual='',
            log=_log):
    "Download (or take) an archive, verify it, unpack it into `dest`; `still_missing()` lists what the layout lacks."
    if not still_missing(): log(f'{dest}: already in place, nothing to do'); return None
    if (url is None) == (archive is None): raise DownloadError('give exactly one of --url and --archive')
    downloaded = archive is None
    if downloaded:
        name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name or 'download'
        archive = fetch(url, Path(download_dir or dest)/name, manual=manual, log=log)
    archive = Path(archive)
    if not archive.is_file(): raise DownloadError(f'{archive}: no such file.\n{manual}')
    verify_checksum(archive, md5=md5, sha256=sha256, move_bad=downloaded, log=log)
    unpack(archive, dest, place=place, log=log)
    left = still_missing()
    if left: raise DownloadError(f'{archive} unpacked, but the expected layout is incomplete; missing: {", ".join(left[:5])}')
    return archive

def main_guard(fn):
    "Run a script's main: a DownloadError becomes a message on stderr and exit status 2."
    try: return fn() or 0
    except DownloadError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2

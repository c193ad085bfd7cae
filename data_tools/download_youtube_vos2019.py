#!/usr/bin/env python
"""Verify and unpack YouTube-VOS 2019 (VOS track) archives into the layout trickvos reads.

YouTube-VOS is distributed behind a login, so this script cannot fetch it by itself from the official source:
  1. sign in at the CodaLab competition of the 2019 VOS track, https://competitions.codalab.org/competitions/20127
     ("Participate" > "Get Data"; the dataset page is https://youtube-vos.org/dataset/vos/), accept the terms;
  2. download train.zip and valid.zip from the Google Drive links given there;
  3. run this script once per archive:

    python data_tools/download_youtube_vos2019.py --archive ~/Downloads/valid.zip --dest data/youtube-vos-2019
    python data_tools/download_youtube_vos2019.py --archive ~/Downloads/train.zip --dest data/youtube-vos-2019

A direct link you may have (a mirror) also works with --url; an interrupted download resumes. The result is
data/youtube-vos-2019/{train,valid}/JPEGImages/<video>/00000.jpg, .../Annotations/<video>/00000.png (sparse in
valid: only where an object first appears) and .../meta.json; read it with
`trickvos.data.load_youtube_vos('data/youtube-vos-2019', split='valid')`.
"""
import argparse, sys
from pathlib import Path, PurePosixPath
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _download import DownloadError, find_roots, main_guard, missing, prepare

PAGE = 'https://competitions.codalab.org/competitions/20127'
FULL = ['JPEGImages', 'Annotations', 'meta.json']
LAYOUT = {'train': FULL, 'valid': FULL, 'test': FULL,
          'train_all_frames': ['JPEGImages'], 'valid_all_frames': ['JPEGImages'], 'test_all_frames': ['JPEGImages']}
MANUAL = (f'YouTube-VOS 2019 needs a login: get train.zip / valid.zip via {PAGE} ("Participate" > "Get Data") and run:\n'
          '  python data_tools/download_youtube_vos2019.py --dest data/youtube-vos-2019 --archive path/to/valid.zip')

def split_from_name(name):
    "The split an archive holds, guessed from its file name (valid.zip -> 'valid'), else None."
    stem = PurePosixPath(str(name)).name.split('.')[0]
    return stem if stem in LAYOUT else None

def place_splits(dest, split, found):
    "Each folder holding JPEGImages/ goes to `dest/<split>` (named by the folder, or by --split); `found` collects them."
    def place(staging):
        roots = find_roots(staging)
        if not roots: raise DownloadError('no folder with JPEGImages/ in the archive: not a YouTube-VOS archive')
        moves = []
        for r in roots:
            s = r.name if r.name in LAYOUT else split if len(roots) == 1 else None
            if s is None: raise DownloadError(f'cannot tell which split the archive folder {r.name!r} holds; pass --split')
            found.append(s); moves.append((r, Path(dest)/s))
        return moves
    return place

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument('--archive', help='a downloaded archive (train.zip, valid.zip, .tar or .tar.gz)')
    src.add_argument('--url', help='a direct link to such an archive (resumable download)')
    ap.add_argument('--dest', default='data/youtube-vos-2019', help='folder that receives train/, valid/ (default: %(default)s)')
    ap.add_argument('--split', choices=sorted(LAYOUT), help='the split the archive holds, when its folder is not named after it')
    ap.add_argument('--download-dir', help='where a downloaded archive is kept (default: --dest)')
    ap.add_argument('--md5', help='expected md5 of the archive, when you have one')
    ap.add_argument('--sha256', help='expected sha256 of the archive, when you have one')
    ap.add_argument('--remove-archive', action='store_true', help='delete the archive once it is unpacked')
    return ap.parse_args(argv)

def main(argv=None):
    a = parse_args(argv)
    dest, found = Path(a.dest), []
    guess = a.split or split_from_name(a.archive or a.url)
    def still_missing():
        splits = found or ([guess] if guess else [])
        return missing(dest, [f'{s}/{r}' for s in splits for r in LAYOUT[s]]) if splits else ['(split not known yet)']
    def run():
        arc = prepare(dest, still_missing, url=a.url, archive=a.archive, download_dir=a.download_dir, md5=a.md5,
                      sha256=a.sha256, place=place_splits(dest, a.split, found), manual=MANUAL)
        if arc is not None and a.remove_archive: arc.unlink()
        for s in found or [guess]:
            n = sum(1 for p in (dest/s/'JPEGImages').iterdir() if p.is_dir())
            print(f'YouTube-VOS 2019 {s}: {n} videos in {dest/s}')
        print(f"read it with: trickvos.data.load_youtube_vos('{dest}', split='{(found or [guess])[0]}')")
    return main_guard(run)

if __name__ == '__main__': sys.exit(main())

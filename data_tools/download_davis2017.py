#!/usr/bin/env python
"""Download and unpack DAVIS 2017 train+val at 480p (it holds DAVIS 2016 too: ImageSets/2016).

    python data_tools/download_davis2017.py --dest data
    python data_tools/download_davis2017.py --dest data --archive ~/Downloads/DAVIS-2017-trainval-480p.zip

gives data/DAVIS/JPEGImages/480p/<seq>/00000.jpg, data/DAVIS/Annotations/480p/<seq>/00000.png (palette PNGs,
object ids 1..K, 255 = void) and data/DAVIS/ImageSets/2016|2017/{train,val}.txt; read it with
`trickvos.data.load_davis('data/DAVIS', year=2017, split='val')`. An interrupted download resumes where it stopped.
"""
import argparse, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _download import DownloadError, find_roots, main_guard, missing, prepare

URL = 'https://data.vision.ee.ethz.ch/csergi/share/davis/DAVIS-2017-trainval-480p.zip'
PAGE = 'https://davischallenge.org/davis2017/code.html'
ZIP = URL.rsplit('/', 1)[1]
MD5 = SHA256 = None  # the DAVIS site publishes no checksum for this zip: the zip's own CRC-32s are checked instead
LAYOUT = ['JPEGImages/480p', 'Annotations/480p', 'ImageSets/2016/train.txt', 'ImageSets/2016/val.txt',
          'ImageSets/2017/train.txt', 'ImageSets/2017/val.txt']
MANUAL = (f'Get {ZIP} (about 800 MB) from {PAGE} ("TrainVal - Images and Annotations", 480p) and run:\n'
          f'  python data_tools/download_davis2017.py --dest data --archive path/to/{ZIP}')

def place_davis(dest):
    "Where the unpacked folder goes: the one folder holding JPEGImages/ becomes `dest/DAVIS`."
    def place(staging):
        roots = find_roots(staging)
        if len(roots) != 1: raise DownloadError(f'expected one DAVIS folder (with JPEGImages/) in the archive, found {len(roots)}')
        return [(roots[0], Path(dest)/'DAVIS')]
    return place

def summary(root):
    "One line per sequence list: how many sequences it names."
    lists = sorted((Path(root)/'ImageSets').glob('*/*.txt'))
    return [f'  ImageSets/{p.parent.name}/{p.name}: {len(p.read_text().split())} sequences' for p in lists]

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--dest', default='data', help='folder that receives DAVIS/ (default: data)')
    ap.add_argument('--archive', help=f'an already downloaded {ZIP} (no download)')
    ap.add_argument('--url', default=URL, help='where to download the zip from (default: the official DAVIS server)')
    ap.add_argument('--download-dir', help='where the zip is kept (default: --dest)')
    ap.add_argument('--md5', default=MD5, help='expected md5 of the zip, when you have one')
    ap.add_argument('--sha256', default=SHA256, help='expected sha256 of the zip, when you have one')
    ap.add_argument('--remove-archive', action='store_true', help='delete the zip once it is unpacked')
    return ap.parse_args(argv)

def main(argv=None):
    a = parse_args(argv)
    root = Path(a.dest)/'DAVIS'
    def run():
        zip_ = prepare(a.dest, lambda: missing(root, LAYOUT), url=None if a.archive else a.url, archive=a.archive,
                       download_dir=a.download_dir, md5=a.md5, sha256=a.sha256, place=place_davis(a.dest), manual=MANUAL)
        if zip_ is not None and a.remove_archive: zip_.unlink()
        print('\n'.join([f'DAVIS 2017 train+val 480p is ready in {root}', *summary(root),
                         f"read it with: trickvos.data.load_davis('{root}', year=2017, split='val')"]))
    return main_guard(run)

if __name__ == '__main__': sys.exit(main())

"""The tracker playground in a real browser: Voila serves a one-cell notebook, headless Chromium (driven by Playwright)
moves a slider and checks that the picture changed. Skipped unless voila, playwright and /usr/bin/chromium exist
(CI: `pip install voila playwright` and `apt-get install -y chromium`; no `playwright install`)."""
import importlib.util, os, re, shutil, signal, socket, subprocess, sys, time
from pathlib import Path
import pytest

CHROMIUM = Path('/usr/bin/chromium')
CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking']

def _missing():
    "What this test needs and does not have."
    need = [f'the Python package {m}' for m in ('voila', 'playwright', 'nbformat') if importlib.util.find_spec(m) is None]
    if not CHROMIUM.exists(): need.append(f'{CHROMIUM} (apt-get install chromium)')
    return need

pytestmark = pytest.mark.skipif(bool(_missing()), reason=f"browser test needs {', '.join(_missing())}")

def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def _playground_notebook(path):
    "A notebook whose only cell shows the tracker playground."
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('import torch; torch.set_num_threads(1)\n'
                                          'from trickvos.widgets import TrackerPlayground\n'
                                          'pg = TrackerPlayground()\npg.widget')]
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    nbformat.write(nb, str(path))
    return path

def _wait_for_server(url, proc, timeout=120):
    "Poll `url` until the server answers (it only has to accept the connection)."
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f'voila exited with code {proc.returncode}')
        try:
            with socket.create_connection(('127.0.0.1', int(url.rsplit(':', 1)[1].split('/')[0])), timeout=1): return
        except OSError: time.sleep(0.5)
    raise TimeoutError(f'voila did not listen on {url} within {timeout} s')

@pytest.fixture
def voila_server(tmp_path):
    "Serve the playground notebook with Voila on a free local port; yields the page URL, stops the server afterwards."
    nb = _playground_notebook(tmp_path / 'playground.ipynb')
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / 'runtime'), OMP_NUM_THREADS='1')
    log = open(tmp_path / 'voila.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'voila', str(nb), '--no-browser', f'--port={port}', '--Voila.ip=127.0.0.1',
                             '--Voila.port_retries=0', '--show_tracebacks=True'],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}/'
    try:
        _wait_for_server(url, proc)
        yield url
    finally:
        try: os.killpg(proc.pid, signal.SIGTERM)          # voila and the kernel it started (its own session)
        except ProcessLookupError: pass
        try: proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.wait()
        log.close()
        print((tmp_path / 'voila.log').read_text()[-3000:])

def _image_state(page):
    "The src of every widget image (a new blob URL each time a new picture arrives) and the page's HTML text."
    return page.eval_on_selector_all('img', 'els => els.map(e => e.src)'), page.inner_text('body')

def test_playground_in_browser(voila_server, tmp_path):
    from playwright.sync_api import sync_playwright
    from trickvos.widgets import TrackerPlayground
    html = TrackerPlayground(speed=4.0).summary_html()          # what the page must show once speed is 4
    expected = ' '.join(re.sub('<[^>]+>', ' ', html).split())
    t0 = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={'width': 1100, 'height': 1300})
            page.goto(voila_server, timeout=240_000)                      # Voila answers once the notebook has run
            page.wait_for_function("document.querySelectorAll('img').length >= 2 && "
                                   "[...document.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)",
                                   timeout=120_000)
            srcs, text = _image_state(page)
            flat = ' '.join(text.split())
            assert 'mean IoU (frames 2+)' in flat and 'frame 4:' in flat and 'CV IoU' in flat, flat[:2000]
            # move the speed slider: focus its handle and press the right arrow four times (0.5 px/frame each)
            slider = page.locator('.widget-slider', has_text='speed (px/frame)')
            slider.locator('.noUi-handle').focus()
            for _ in range(4): page.keyboard.press('ArrowRight')
            page.wait_for_function('srcs => { const now = [...document.querySelectorAll("img")].map(e => e.src);'
                                   ' return now.length === srcs.length && now.every((s, i) => s !== srcs[i]); }',
                                   arg=srcs, timeout=60_000)
            assert slider.locator('.widget-readout').inner_text().strip() == '4.00'
            # each key press is a value change; wait for the last one's numbers, which the Python API computes too
            page.wait_for_function('want => document.body.innerText.split(/\\s+/).join(" ").includes(want)',
                                   arg=expected, timeout=120_000)
            srcs2, text2 = _image_state(page)
            assert text2 != text and all(a != b for a, b in zip(srcs, srcs2))
            shot = tmp_path / 'tracker_playground.png'
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get('TRICKVOS_SCREENSHOT_DIR'):
        out = Path(os.environ['TRICKVOS_SCREENSHOT_DIR']); out.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, out / shot.name)
    print(f'browser part took {time.monotonic() - t0:.1f} s')

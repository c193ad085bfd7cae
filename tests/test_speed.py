"trickvos.speed and trickvos.bench: BatchNorm folding, the softmax-last memory read, the optimised path, the benchmark, `trickvos bench`."
import json
import pytest
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval
from trickvos.model import build_model, save_model
from trickvos.speed import (STEP_PARTS, CUDAGraphCache, OptimisedVOS, _flatten, _unflatten, affinity_last, bench_inputs,
                            encode_memory, fold_batchnorm, fold_conv_bn, half_dtype, memory_read_parts, optimise_model,
                            profile_step, propagate_step, randomise_batchnorm, readout_last, resolve_device, time_call)
from trickvos.bench import PATHS, benchmark, format_table, ready_tracker, time_interleaved

H, W = 32, 48
CUDA = torch.cuda.is_available()

@pytest.fixture(scope='module', autouse=True)
def one_thread():
    "Tiny tensors: one CPU thread is faster, and a shared, busy CPU cannot leave a second thread's partner waiting."
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

@pytest.fixture(scope='module')
def models():
    "Each preset with random weights and non-trivial BatchNorm statistics, in eval mode."
    torch.manual_seed(0)
    return {p: randomise_batchnorm(build_model(p), seed=3).eval() for p in ('baseline', 'stcn', 'stm')}

def _bn(n, seed=0, **kw):
    return randomise_batchnorm(nn.Sequential(nn.BatchNorm2d(n, **kw)), seed)[0].eval()

# --- folding -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('groups,bias', [(1, False), (1, True), (6, False), (2, True)])
def test_fold_conv_bn_equals_conv_then_bn(groups, bias):
    torch.manual_seed(groups)
    conv, bn = nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=groups, bias=bias).eval(), _bn(6, seed=groups)
    x = torch.randn(2, 6, 9, 11)
    fused = fold_conv_bn(conv, bn)
    assert torch.allclose(fused(x), bn(conv(x)), atol=1e-5)
    ref = fuse_conv_bn_eval(conv, bn)                                   # PyTorch's own fold
    assert torch.allclose(fused.weight, ref.weight, atol=1e-6) and torch.allclose(fused.bias, ref.bias, atol=1e-6)
    assert conv.bias is None or not torch.equal(conv.bias, fused.bias)  # the original conv is untouched
    assert (fused.stride, fused.padding, fused.groups) == (conv.stride, conv.padding, conv.groups)

def test_fold_conv_bn_known_values():
    conv = nn.Conv2d(1, 2, 1, bias=False)
    with torch.no_grad(): conv.weight.copy_(torch.tensor([1., 2.]).view(2, 1, 1, 1))
    bn = nn.BatchNorm2d(2, eps=0).eval()
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor([1., 0.])); bn.running_var.copy_(torch.tensor([4., 1.]))
        bn.weight.copy_(torch.tensor([2., 3.])); bn.bias.copy_(torch.tensor([0.5, -1.]))
    f = fold_conv_bn(conv, bn)
    # W' = W g / sqrt(var) = [1*2/2, 2*3/1]; b' = (0 - mu) g / sqrt(var) + beta = [-1 + 0.5, 0 - 1]
    assert f.weight.flatten().tolist() == [1., 6.] and f.bias.tolist() == [-0.5, -1.]

def test_fold_conv_bn_without_affine_and_errors():
    conv, bn = nn.Conv2d(3, 4, 3, padding=1), _bn(4, affine=False)
    x = torch.randn(1, 3, 5, 5)
    assert torch.allclose(fold_conv_bn(conv, bn)(x), bn(conv(x)), atol=1e-5)
    with pytest.raises(ValueError, match='running statistics'): fold_conv_bn(conv, nn.BatchNorm2d(4, track_running_stats=False))
    with pytest.raises(ValueError, match='channels'): fold_conv_bn(conv, nn.BatchNorm2d(5))
    with pytest.raises(TypeError): fold_conv_bn(nn.Linear(3, 4), nn.BatchNorm2d(4))

def test_fold_batchnorm_same_outputs(models):
    for name, m in models.items():
        f = fold_batchnorm(m)
        assert not any(isinstance(x, nn.BatchNorm2d) for x in f.modules())
        assert sum(isinstance(x, nn.BatchNorm2d) for x in m.modules()) > 50          # the original keeps its own
        frames, mask = torch.rand(1, 3, 3, H, W), (torch.rand(1, 2, H, W) > 0.5).float()
        with torch.inference_mode():
            for a, b in zip(m.encode_key(frames[:, 0]), f.encode_key(frames[:, 0])): assert torch.allclose(a, b, atol=1e-5)
            rgb = frames[:, 0] if m.config.value_rgb else None
            assert torch.allclose(m.encode_value(mask, rgb), f.encode_value(mask, rgb), atol=1e-5)
            assert torch.allclose(m(frames, mask)[1], f(frames, mask)[1], atol=1e-5)
        assert type(f) is type(m) and f.config == m.config and not f.training

def test_fold_batchnorm_of_a_training_model_is_eval_copy():
    m = randomise_batchnorm(build_model('baseline')).train()
    f = fold_batchnorm(m)
    assert m.training and not f.training
    assert any(isinstance(x, nn.BatchNorm2d) for x in m.modules())

def test_randomise_batchnorm_is_non_trivial_and_seeded():
    a, b = _bn(16, seed=1), _bn(16, seed=1)
    assert torch.equal(a.running_var, b.running_var) and not torch.equal(_bn(16, seed=2).running_var, a.running_var)
    assert a.running_mean.abs().max() > 0 and (a.running_var - 1).abs().max() > 0.05
    assert (a.running_var >= 0.5).all() and (a.running_var <= 2).all()

# --- softmax-last memory read ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('affinity,top_k', [('l2', None), ('dot', None), ('l2', 5), ('dot', 1000)])
def test_softmax_last_equals_model_read(affinity, top_k):
    torch.manual_seed(1)
    m = build_model('baseline', affinity=affinity, top_k=top_k).eval()
    mk, mv, qk = torch.randn(2, 32, 3, 4, 5), torch.randn(2, 3, 64, 3, 4, 5), torch.randn(2, 32, 4, 5)
    Wl = affinity_last(mk, qk, affinity, top_k)
    assert Wl.shape == (2, 20, 60) and torch.allclose(Wl.sum(-1), torch.ones(2, 20), atol=1e-5)
    if top_k is not None and top_k < 60: assert ((Wl > 0).sum(-1) <= top_k).all()
    assert torch.allclose(readout_last(Wl, mv), m.read_memory(mk, mv, qk), atol=1e-5)

def test_softmax_last_errors():
    mk, qk = torch.randn(1, 8, 2, 3, 3), torch.randn(1, 8, 3, 3)
    with pytest.raises(ValueError, match='affinity'): affinity_last(mk, qk, 'cosine')
    with pytest.raises(ValueError, match='query key'): affinity_last(mk, torch.randn(1, 4, 3, 3))
    with pytest.raises(ValueError, match='memory values'): readout_last(affinity_last(mk, qk), torch.randn(1, 1, 4, 3, 3, 3))

# --- propagation step, profiling -------------------------------------------------------------------------------------

@pytest.mark.parametrize('preset,K', [('baseline', 1), ('baseline', 3), ('stcn', 2)])
def test_propagate_step_shapes(models, preset, K):
    m = models[preset]
    cfg = m.config
    mk, mv = encode_memory(m, torch.rand(1, 2, 3, H, W), (torch.rand(1, 2, K, H, W) > 0.5).float())
    assert mk.shape == (1, cfg.key_dim, 2, H // 16, W // 16) and mv.shape == (1, K, cfg.value_dim, 2, H // 16, W // 16)
    probs, key, value = propagate_step(m, torch.rand(1, 3, H, W), mk, mv)
    assert probs.shape == (1, K + 1, H, W) and key.shape == (1, cfg.key_dim, H // 16, W // 16)
    assert value.shape == (1, K, cfg.value_dim, H // 16, W // 16)
    assert torch.allclose(probs.sum(1), torch.ones(1, H, W), atol=1e-5)

def test_profile_step_covers_every_part(models):
    m = models['baseline']
    mk, mv, (q,) = bench_inputs(m.config, 2, (H, W), n_query=1)
    t = profile_step(m, q, mk, mv, reps=1)
    assert list(t) == list(STEP_PARTS) and all(v > 0 for v in t.values())
    affinity, readout = memory_read_parts(m)
    assert torch.allclose(readout(affinity(mk, propagate_step(m, q, mk, mv)[1]), mv).flatten(),
                          m.read_memory(mk, mv, m.encode_key(q)[0]).flatten(), atol=1e-5)

def test_time_call_returns_output_and_milliseconds():
    out, ms = time_call(lambda a, b: a + b, 2, 3)
    assert out == 5 and 0 <= ms < 1000
    import time
    _, wall = time_call(time.sleep, 0.05)
    _, cpu = time_call(time.sleep, 0.05, cpu_time=True)                    # sleeping uses no CPU time
    assert wall >= 49 and cpu < 20

# --- the optimised path ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('preset', ['baseline', 'stcn', 'stm'])
def test_optimise_model_same_probabilities_and_label_maps(models, preset):
    m = models[preset]
    fast = optimise_model(m, 'cpu')
    assert isinstance(fast, OptimisedVOS) and fast.config == m.config and fast.dtype == torch.float32
    for K in (1, 3):
        frames, mask = torch.rand(1, 4, 3, H, W), (torch.rand(1, K, H, W) > 0.5).float()
        with torch.inference_mode(): pe, po = m(frames, mask)[1], fast(frames, mask)[1]
        assert pe.shape == po.shape == (1, 3, K + 1, H, W) and (pe - po).abs().max() < 1e-4
        mk, mv, queries = bench_inputs(m.config, K, (H, W), n_query=2, seed=K)     # a memory whose objects differ
        for q in queries:
            a, b = propagate_step(m, q, mk, mv), propagate_step(fast, q, mk, mv)
            for x, y in zip(a, b): assert x.dtype == torch.float32 and (x - y).abs().max() < 1e-4
            assert torch.equal(a[0].argmax(1), b[0].argmax(1))
            assert len(a[0].argmax(1).unique()) > 1                          # not a trivial all-one-label map

@pytest.mark.parametrize('opts', [dict(softmax_last=False), dict(fold_bn=False), dict(channels_last=False),
                                  dict(fold_bn=False, softmax_last=False, channels_last=False)])
def test_optimise_model_options(models, opts):
    m = models['baseline']
    fast = optimise_model(m, 'cpu', **opts)
    mk, mv, (q,) = bench_inputs(m.config, 2, (H, W), n_query=1)
    assert (propagate_step(m, q, mk, mv)[0] - propagate_step(fast, q, mk, mv)[0]).abs().max() < 1e-4
    assert fast.softmax_last == opts.get('softmax_last', True)
    assert any(isinstance(x, nn.BatchNorm2d) for x in fast.modules()) == (not opts.get('fold_bn', True))

def test_optimise_model_leaves_the_original_alone(models):
    m = models['baseline']
    before = {k: v.clone() for k, v in m.state_dict().items()}
    fast = optimise_model(m, 'cpu')
    assert all(torch.equal(v, m.state_dict()[k]) for k, v in before.items())
    assert next(m.parameters()).is_contiguous() and not m.training
    with pytest.raises(RuntimeError, match='inference only'): fast.train()
    assert fast.eval() is fast

def test_optimise_model_top_k_read(models):
    m = build_model('stcn', top_k=4).eval()
    fast = optimise_model(m, 'cpu')
    mk, mv, (q,) = bench_inputs(m.config, 1, (H, W), n_query=1)
    assert (propagate_step(m, q, mk, mv)[0] - propagate_step(fast, q, mk, mv)[0]).abs().max() < 1e-4

def test_optimise_model_bf16_on_cpu_runs_in_16_bits(models):
    m = models['baseline']
    fast = optimise_model(m, 'cpu', half='bf16')
    mk, mv, (q,) = bench_inputs(m.config, 2, (H, W), n_query=1)
    probs, key, value = propagate_step(fast, q, mk, mv)
    assert fast.dtype == torch.bfloat16 and value.dtype == torch.bfloat16
    assert probs.dtype == key.dtype == torch.float32                 # aggregation and keys stay float32
    assert torch.isfinite(probs).all() and torch.allclose(probs.sum(1), torch.ones(1, H, W), atol=1e-5)
    assert (probs - propagate_step(m, q, mk, mv)[0]).abs().max() < 0.2

def test_half_dtype_and_device_defaults():
    assert half_dtype(None, 'cpu') == torch.float32 and half_dtype(None, torch.device('cuda')) == torch.float16
    assert half_dtype(True, 'cpu') == torch.float16 and half_dtype('bf16', 'cpu') == torch.bfloat16
    assert half_dtype(False, 'cuda') == torch.float32
    with pytest.raises(ValueError, match='half'): half_dtype('fp8', 'cpu')
    assert resolve_device('cpu') == torch.device('cpu')
    assert resolve_device('auto').type == ('cuda' if CUDA else 'cpu')
    for bad in ('tpu', 'mps', 'cuda:x'):
        with pytest.raises(ValueError, match='device'): resolve_device(bad)

@pytest.mark.skipif(CUDA, reason='checks the error when CUDA is absent')
def test_cuda_without_cuda_is_a_clear_error(models):
    for dev in ('cuda', 'cuda:0'):
        with pytest.raises(ValueError, match='CUDA is not available'): resolve_device(dev)
    with pytest.raises(ValueError, match='CUDA is not available'): optimise_model(models['baseline'], 'cuda')
    with pytest.raises(ValueError, match='cuda_graphs'): optimise_model(models['baseline'], 'cpu', cuda_graphs=True)

def test_flatten_round_trip():
    t = torch.zeros(2)
    x = (t, (t, None, [t, 3]), 'a')
    leaves, spec = _flatten(x)
    assert len(leaves) == 6 and leaves[2] is None
    y = _unflatten(leaves, spec)
    assert isinstance(y[1][2], list) and y[1][2][1] == 3 and y[2] == 'a' and y[1][0] is t

def test_graph_cache_logic_with_a_fake_graph(models, monkeypatch):
    "The cache's bookkeeping on the CPU: one capture per (method, input signature), inputs copied in, outputs copied out."
    captures = []
    def fake_capture(self, fn, leaves, spec):                      # a 'graph' that re-runs fn on its static inputs
        static_in = [x.clone() if torch.is_tensor(x) else x for x in leaves]
        static_out = fn(*_unflatten(static_in, spec))
        class Graph:
            def replay(_):
                for s, n in zip(_flatten(static_out)[0], _flatten(fn(*_unflatten(static_in, spec)))[0]): s.copy_(n)
        captures.append(fn.__name__)
        return static_in, static_out, Graph()
    monkeypatch.setattr(CUDAGraphCache, '_capture', fake_capture)
    m = models['baseline']
    fast = optimise_model(m, 'cpu')
    fast.graphs = CUDAGraphCache()
    mk, mv, queries = bench_inputs(m.config, 2, (H, W), n_query=3)
    outs = [propagate_step(fast, q, mk, mv) for q in queries]
    assert captures == ['encode_key', '_read_memory', 'decode', 'aggregate', 'encode_value']    # one per method, not per call
    for q, out in zip(queries, outs):                              # each call saw its own inputs; outputs not overwritten
        for a, b in zip(out, propagate_step(m, q, mk, mv)): assert (a - b).abs().max() < 1e-4
    propagate_step(fast, queries[0], mk, mv[:, :1])               # another object count: new captures where shapes differ
    assert captures[5:] == ['_read_memory', 'decode', 'aggregate', 'encode_value']

@pytest.mark.skipif(not CUDA, reason='needs a GPU')
def test_cuda_optimised_path_agrees_with_eager(models):
    m = models['baseline'].to('cuda')
    fast = optimise_model(m, 'cuda')
    assert isinstance(fast.graphs, CUDAGraphCache) and fast.dtype == torch.float16
    mk, mv, queries = bench_inputs(m.config, 3, (480, 864), device='cuda', n_query=2)
    for q in queries:
        pe, po = propagate_step(m, q, mk, mv)[0], propagate_step(fast, q, mk, mv)[0]
        assert (pe - po).abs().max() < 5e-2 and (pe.argmax(1) == po.argmax(1)).float().mean() > 0.99
    out1 = propagate_step(fast, queries[0], mk, mv)[0]
    propagate_step(fast, queries[1], mk, mv)
    assert torch.equal(out1, propagate_step(fast, queries[0], mk, mv)[0])     # replays are deterministic; outputs copied

# --- the benchmark and the CLI ---------------------------------------------------------------------------------------

ROW_KEYS = {'preset', 'path', 'objects', 'size', 'device', 'ms', 'fps', 'max_abs_diff', 'masks_equal'}

def test_benchmark_rows_are_well_formed():
    rows = benchmark(('baseline', 'stcn'), (1, 2), (30, 40), paths=('eager', 'optimised', 'folded'), warmup=1, reps=2,
                     progress=False)
    assert len(rows) == 2 * 2 * 3
    assert {(r['preset'], r['path'], r['objects']) for r in rows} == \
           {(p, q, k) for p in ('baseline', 'stcn') for q in ('eager', 'optimised', 'folded') for k in (1, 2)}
    for r in rows:
        assert ROW_KEYS <= set(r) and r['size'] == '32x48' and r['device'] == 'cpu' and r['memory'] == 2
        assert r['ms'] > 0 and abs(r['fps'] - 1e3 / r['ms']) < 1e-6 and r['ms_min'] <= r['ms'] and r['reps'] == 2
        assert r['threads'] == 1 and r['dtype'] == 'float32' and r['weights'] == 'random' and r['cpu_ms'] > 0
        assert r['max_abs_diff'] < 1e-4 and r['masks_equal'] == 1.0 and r['pixels_differ'] == 0
        if r['path'] == 'eager': assert r['max_abs_diff'] == 0
    json.dumps(rows)                                                       # JSON-able as is
    table = format_table(rows)
    assert len(table.splitlines()) == 2 + len(rows) + 1 and 'x eager' in table and 'by CPU time' in table
    assert ' 1.00   1.00 ' in table.splitlines()[2 + rows.index(next(r for r in rows if r['preset'] == 'stcn'))]

def test_format_table_ratios():
    base = dict(size='64x96', device='cuda', device_name='GPU', dtype='float16', threads=1, memory=2, reps=5,
                max_abs_diff=0.0, masks_equal=1.0, cpu_ms=None, objects=1)
    rows = [dict(base, preset=p, path=q, ms=ms, fps=1e3 / ms)
            for p, q, ms in [('baseline', 'eager', 4.0), ('baseline', 'optimised', 1.0), ('stcn', 'eager', 8.0)]]
    lines = format_table(rows).splitlines()
    assert lines[3].split()[9:11] == ['4.00', '8.00'] and lines[2].split()[9:11] == ['1.00', '2.00']
    assert 'by wall time' in lines[-1] and lines[3].split()[8] == '-'

def test_benchmark_threads_are_restored():
    rows = benchmark(('baseline',), (1,), (16, 16), paths=('eager',), warmup=0, reps=1, progress=False, threads=2)
    assert rows[0]['threads'] == 2 and torch.get_num_threads() == 1

def test_time_interleaved_rotates_the_order(monkeypatch):
    import trickvos.bench
    order = []
    monkeypatch.setattr(trickvos.bench, 'propagate_step', lambda model, *args: order.append(model))
    times = time_interleaved({'a': 'A', 'b': 'B', 'c': 'C'}, None, None, [None], warmup=1, reps=2, device='cpu')
    assert order == ['A', 'B', 'C', 'B', 'C', 'A', 'C', 'A', 'B']                # warm-up, then 2 timed repetitions
    assert list(times) == ['a', 'b', 'c'] and all(len(t) == 2 and min(min(x) for x in t) >= 0 for t in times.values())

def test_benchmark_errors():
    for kw, match in [(dict(paths=('eager', 'warp')), 'path'), (dict(presets=('resnet',)), 'preset'), (dict(reps=0), 'reps'),
                      (dict(objects=()), 'objects'), (dict(paths=()), 'path')]:
        with pytest.raises(ValueError, match=match): benchmark(**{'size': (32, 48), 'progress': False, **kw})

def test_benchmark_with_checkpoint(tmp_path):
    m = build_model('baseline', key_dim=16)
    save_model(m, tmp_path/'m.safetensors')
    rows = benchmark(('stcn',), (1,), (32, 48), paths=('eager',), warmup=0, reps=1, progress=False,
                     checkpoint=tmp_path/'m.safetensors', memory=3)
    assert [(r['preset'], r['weights']) for r in rows] == [('stcn', 'random'), ('baseline', 'checkpoint')]
    assert all(r['memory'] == 3 for r in rows)

def _parser():
    from trickvos.cli import build_parser
    return build_parser(['bench'])

def test_cli_bench_writes_json(tmp_path, capsys):
    out = tmp_path/'sub'/'bench.json'
    args = _parser().parse_args(['bench', '--device', 'cpu', '--objects', '1', '2', '--size', '32x48', '--presets', 'baseline',
                                 '--reps', '1', '--warmup', '0', '--quiet', '--out', str(out)])
    assert args.func(args) == 0
    data = json.loads(out.read_text())
    assert data['torch'] == torch.__version__ and len(data['rows']) == 4
    assert {(r['path'], r['objects']) for r in data['rows']} == {(p, k) for p in ('eager', 'optimised') for k in (1, 2)}
    printed = capsys.readouterr().out
    assert 'baseline' in printed and 'FPS' in printed and str(out) in printed

def test_cli_bench_defaults_and_bad_args(capsys):
    args = _parser().parse_args(['bench'])
    assert (args.device, args.objects, args.size, args.presets, args.paths, args.reps, args.memory) == \
           (None, [1, 3], (480, 864), ['baseline', 'stcn'], ['eager', 'optimised'], 20, 2)
    assert set(PATHS) >= set(args.paths)
    for bad in (['--size', '48'], ['--presets', 'resnet'], ['--paths', 'warp'], ['--objects', 'two']):
        with pytest.raises(SystemExit): _parser().parse_args(['bench', *bad])
    capsys.readouterr()

@pytest.mark.skipif(CUDA, reason='checks the error when CUDA is absent')
def test_cli_bench_cuda_without_cuda(tmp_path):
    args = _parser().parse_args(['bench', '--device', 'cuda', '--out', str(tmp_path/'b.json')])
    with pytest.raises(ValueError, match='CUDA is not available.*--device cpu'): args.func(args)
    assert not (tmp_path/'b.json').exists()

@pytest.mark.skipif(CUDA, reason='checks the error when CUDA is absent')
def test_trickvos_bench_cuda_without_cuda_exits_1(tmp_path, capsys):
    from trickvos.cli import main
    assert main(['bench', '--device', 'cuda', '--out', str(tmp_path/'b.json')]) == 1
    assert 'CUDA is not available' in capsys.readouterr().err


# --- Trick 3 in the timed step ---------------------------------------------------------------------------------------

def test_propagate_step_with_a_tracker_filters_outside_the_box(models):
    m = models['baseline']
    mk, mv, (q, _) = bench_inputs(m.config, 2, (H, W))
    tr = ready_tracker('cv', 2, (H, W))
    assert bool((tr.age >= 2).all())                                     # past its initialising frames: it filters
    p = propagate_step(m, q, mk, mv, tr)[0]
    assert p.shape == (1, 3, H, W) and torch.allclose(p.sum(1), torch.ones(1, H, W), atol=1e-5)
    assert p[0, 1:, :H // 4].max() < 1e-3 and p[0, 1:, 3 * H // 4:].max() < 1e-3   # boxes span rows H/4..3H/4
    assert (propagate_step(m, q, mk, mv)[0][0, 1:, :H // 4].max() > 1e-2)            # untracked: not zero there
    assert ready_tracker(None, 2, (H, W)) is None and ready_tracker('none', 2, (H, W)) is None

def test_benchmark_times_trackers_side_by_side():
    rows = benchmark(('baseline',), (1, 2), (30, 40), paths=('eager', 'optimised'), warmup=1, reps=2, progress=False,
                     trackers=('none', 'cv', 'pt'))
    assert len(rows) == 2 * 2 * 3
    assert {(r['path'], r['objects'], r['tracker']) for r in rows} == \
           {(q, k, t) for q in ('eager', 'optimised') for k in (1, 2) for t in ('none', 'cv', 'pt')}
    for r in rows:
        if r['tracker'] == 'none': assert r['masks_equal'] == 1.0
        else: assert r['masks_equal'] is None and r['max_abs_diff'] is None and r['filter_ms'] > 0 and r['filter_cpu_ms'] > 0
    json.dumps(rows)
    table = format_table(rows)
    assert 'tracker' in table.splitlines()[0] and 'overhead' in table.splitlines()[0] and 'same interleaved run' in table
    assert sum(l.rstrip().endswith('%') for l in table.splitlines()[2:]) == 8       # overhead and filter per tracked row
    assert all(l.count('%') == 2 for l in table.splitlines()[2:] if ' cv ' in l or ' pt ' in l)
    assert 'overhead' not in format_table([r for r in rows if r['tracker'] == 'none'])
    with pytest.raises(ValueError): benchmark(('baseline',), (1,), (32, 48), trackers=('kalman',), progress=False)

def test_bench_cli_trackers(tmp_path):
    ap = _parser()
    a = ap.parse_args(['bench', '--trackers', 'none', 'cv', '--out', str(tmp_path / 'b.json')])
    assert a.trackers == ['none', 'cv']
    assert ap.parse_args(['bench']).trackers == ['none']

"""Training throughput on this machine: clips per second of one training step, each setting side by side in one run.

    python scripts/bench_train.py                      # the showcase step: batch 4, 5-frame clips, crop 128, trick1 loss
    python scripts/bench_train.py --crop 64 --reps 2   # quick

The settings are interleaved (every repetition runs each once, in turn), so that a machine busy with something else
slows them alike; the ratio to the first (float32, NCHW: the reference scale's step) is what to read. Each step is a
full `train_step` (forward through the clip, the loss, backward, Adam) on a fixed batch, so data loading is not
counted (a separate line measures it: the loader of `make_loader` on a small benchmark).

bf16 autocast is fast only on CPUs that compute in bfloat16 natively (AVX512-BF16 or AMX); elsewhere training runs the
bf16 settings in float32 (`trickvos.training.autocast_on`), and one more row, "bf16 autocast, forced", shows why.
"""
import argparse, statistics, sys, tempfile, time
from pathlib import Path

SETTINGS = {'float32': dict(), 'bf16 autocast': dict(cpu_amp=True), 'channels-last': dict(channels_last=True),
            'bf16 + channels-last (showcase)': dict(cpu_amp=True, channels_last=True)}


def batch(B, T, C, K=2, seed=0):
    "A fixed random batch: frames (B,T,3,C,C), labels with K square objects, first-frame masks, valid."
    import torch
    g = torch.Generator().manual_seed(seed)
    labels = torch.zeros(B, T, C, C, dtype=torch.long)
    for b in range(B):
        for k in range(1, K + 1):
            y, x = torch.randint(0, C // 2, (2,), generator=g).tolist()
            labels[b, :, y:y + C // 3, x:x + C // 3] = k
    first = torch.stack([(labels[:, 0] == k).float() for k in range(1, K + 1)], 1)
    return dict(frames=torch.rand(B, T, 3, C, C, generator=g), labels=labels, first=first,
                valid=torch.ones(B, K, dtype=torch.bool))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='trick1')
    ap.add_argument('--crop', type=int, default=128)
    ap.add_argument('--batch', type=int, default=4)
    ap.add_argument('--frames', type=int, default=5)
    ap.add_argument('--reps', type=int, default=5, help='timed steps per setting (after one warm-up step)')
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s)')
    a = ap.parse_args(argv)
    import torch
    from trickvos.training import train_step, make_loader, load_training_videos, native_bf16, autocast_on
    from trickvos.config import train_config
    from trickvos.model import build_model
    if a.threads: torch.set_num_threads(a.threads)
    dev, b = torch.device('cpu'), batch(a.batch, a.frames, a.crop)
    settings = {k: (v, None) for k, v in SETTINGS.items()}
    if not native_bf16(): settings['bf16 autocast, forced (emulated)'] = (dict(cpu_amp=True), True)
    runs = {}
    for name, (over, force) in settings.items():
        cfg = train_config(a.preset, 'reference', crop=(a.crop, a.crop), batch_size=a.batch, clip_frames=a.frames, **over)
        torch.manual_seed(0)
        m = build_model(cfg.model).train()
        if cfg.channels_last: m = m.to(memory_format=torch.channels_last)
        opt = torch.optim.Adam(m.parameters(), lr=1e-4)
        train_step(m, opt, b, cfg, cfg.static_iters + 10, dev, force)                  # warm-up (oneDNN picks kernels)
        runs[name] = (m, opt, cfg, force, [])
    for _ in range(a.reps):
        for name, (m, opt, cfg, force, times) in runs.items():
            t0 = time.perf_counter(); train_step(m, opt, b, cfg, cfg.static_iters + 10, dev, force)
            times.append(time.perf_counter() - t0)
    base = statistics.median(runs['float32'][-1])
    print(f'training step, preset {a.preset}, batch {a.batch} x {a.frames} frames, crop {a.crop}, '
          f'{torch.get_num_threads()} threads, {a.reps} steps each (median)')
    print(f'CPU: {torch.backends.cpu.get_cpu_capability()}, native bfloat16: {"yes" if native_bf16() else "no (bf16 settings train in float32)"}')
    print(f"{'setting':34s} {'s/step':>8s} {'clips/s':>8s} {'speed-up':>9s}  precision")
    for name, (m, opt, cfg, force, times) in runs.items():
        t = statistics.median(times)
        bf16 = autocast_on(cfg, dev) if force is None else force
        print(f'{name:34s} {t:8.3f} {a.batch / t:8.2f} {base / t:8.2f}x  {"bf16" if bf16 else "float32"}')
    with tempfile.TemporaryDirectory() as d:                                              # data loading, for scale
        from trickvos.synthetic import generate_benchmark
        data = generate_benchmark(Path(d) / 's', n_train=4, n_val=1, frames=20, progress=False)
        cfg = train_config(a.preset, 'reference', crop=(a.crop, a.crop), batch_size=a.batch, clip_frames=a.frames)
        it = iter(make_loader(cfg, load_training_videos(data), 2, 0)); next(it)
        t0 = time.perf_counter()
        for _ in range(a.reps): next(it)
        print(f"{'loading one batch (not in the step)':34s} {(time.perf_counter() - t0) / a.reps:8.3f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())

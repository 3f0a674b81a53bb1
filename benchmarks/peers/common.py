"""
What the Python peers share: the workload spec, the data (the real CIFAR-10
when NNDL_BENCH_DATA names its archive, else CIFAR-shaped generated pixels;
NNDL_BENCH_SMOKE=1 shrinks it as workloads.ts does), a sampler for
microbenchmarks, and the description of the BLAS (and oneDNN, which PyTorch's
convolutions run on) a process loaded (read from /proc/self/maps, then asked
through ctypes).
"""
import ctypes
import json
import os
import pickle
import resource
import tarfile
import time

import numpy as np

SPEC = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'workloads.json')))
if os.environ.get('NNDL_BENCH_SMOKE') == '1':
    SPEC['data'].update(train=SPEC['smoke']['train'], val=SPEC['smoke']['val'])
    for _w in SPEC['workloads'].values():
        if _w['kind'] == 'standalone':
            _w['iterations'] = SPEC['smoke']['iterations']
        elif _w['kind'] == 'layers':
            _w['iterations'] = SPEC['smoke']['timedIterations']
DATA_SOURCE = os.environ.get('NNDL_BENCH_DATA') or None


def cifar10_training_bytes(archive):
    """The 50,000 training images of a CIFAR-10 archive (binary or Python release) as (N, 3072) uint8, and labels."""
    batches = {}
    with tarfile.open(archive, 'r:gz') as tar:
        for member in tar:
            name = os.path.basename(member.name)
            if name.startswith('data_batch_') and member.isfile():
                raw = tar.extractfile(member).read()
                if name.endswith('.bin'):
                    rows = np.frombuffer(raw, np.uint8).reshape(-1, 3073)
                    batches[name[:-4]] = (rows[:, 1:], rows[:, 0].astype(np.int64))
                else:
                    d = pickle.loads(raw, encoding='bytes')
                    batches[name] = (np.asarray(d[b'data'], np.uint8), np.asarray(d[b'labels'], np.int64))
    parts = [batches['data_batch_%d' % i] for i in range(1, 6)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def data(dtype):
    """
    The training and validation splits as (N, 3, 32, 32) arrays of dtype, and
    labels: the reference's split of the real CIFAR-10 with the training mean
    subtracted, or random pixels minus 127.5.
    """
    d = SPEC['data']
    n_train, n_val = d['train'], d['val']
    if DATA_SOURCE:
        pixels, labels = cifar10_training_bytes(DATA_SOURCE)
        X = pixels[:n_train + n_val].astype(dtype)
        X -= X[:n_train].mean(axis=0, dtype=np.float64).astype(dtype)
        y = labels[:n_train + n_val]
    else:
        rng = np.random.default_rng(0)
        dim = int(np.prod(d['shape']))
        X = rng.integers(0, 256, (n_train + n_val, dim), dtype=np.uint8).astype(dtype)
        X -= 127.5
        y = rng.integers(0, d['classes'], n_train + n_val)
    X = X.reshape((-1, *d['shape']))
    # Copies, so each split is its own contiguous array as the reference's loader gives them.
    return {'X_train': X[:n_train].copy(), 'y_train': y[:n_train].copy(),
            'X_val': X[n_train:].copy(), 'y_val': y[n_train:].copy()}


def sample_micros(fn, samples=21, sample_seconds=0.02):
    """µs per call: median, min and max over samples of about sample_seconds each."""
    for _ in range(3):
        fn()
    calls, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < sample_seconds / 4 or calls < 2:
        fn()
        calls += 1
    calls = max(1, round(calls * sample_seconds / (time.perf_counter() - t0)))
    per_call = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - t0) / calls * 1e6)
    per_call.sort()
    return {'median': per_call[len(per_call) // 2], 'min': per_call[0], 'max': per_call[-1], 'samples': samples}


def blas_info():
    """
    The OpenBLAS (or other BLAS) and oneDNN libraries this process has loaded,
    with core and config when exported.
    """
    # Resolved through the alternatives symlinks, so each file counts once.
    libs = sorted({os.path.realpath(line.split()[-1]) for line in open('/proc/self/maps')
                   if ('blas' in line.lower() or 'dnnl' in line.lower()) and line.split()[-1].startswith('/')})
    found = []
    for path in libs:
        info = {'library': path}
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            found.append(info)
            continue
        for key, name in (('config', 'openblas_get_config'), ('corename', 'openblas_get_corename'),
                          ('threads', 'openblas_get_num_threads')):
            for symbol in (name, name + '64_', 'scipy_' + name, 'scipy_' + name + '64_'):
                f = getattr(lib, symbol, None)
                if f is not None:
                    f.restype = ctypes.c_int if key == 'threads' else ctypes.c_char_p
                    value = f()
                    info[key] = value if key == 'threads' else value.decode()
                    break
        found.append(info)
    return found


def emit(result):
    """Prints the result as one JSON line, with the peak RSS of the process and the data it trained on."""
    result['maxRssMiB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.setdefault('data', DATA_SOURCE or 'generated')
    print(json.dumps(result), flush=True)

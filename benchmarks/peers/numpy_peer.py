"""
numpy running the reference's code (reference.py) on a workload of
../workloads.json; prints one JSON line.

  python3 numpy_peer.py W1|W2|W3|W4 [--iterations K]

W1 times the reference's TwoLayerNet.train (its per-epoch checks included).
W2 and W3 time K Solver steps (default: one epoch) and scale them to an epoch.
W4 times the layer functions, µs per call.
"""
import argparse
import time

import numpy as np

import common
import reference as ref


def standalone(w):
    d = common.data(np.dtype(w['dtype']))
    n, dim = d['X_train'].shape[0], d['X_train'][0].size
    X, X_val = d['X_train'].reshape(n, dim), d['X_val'].reshape(-1, dim)
    np.random.seed(0)
    net = ref.StandaloneTwoLayerNet(dim, w['hidden'][0], common.SPEC['data']['classes'], std=w['std'])
    t0 = time.perf_counter()
    net.train(X, d['y_train'], X_val, d['y_val'], learning_rate=w['learningRate'],
              learning_rate_decay=w['lrDecay'], reg=w['reg'], num_iters=w['iterations'], batch_size=w['batch'])
    return {'seconds': time.perf_counter() - t0, 'iterations': w['iterations']}


def solver(w, iterations):
    dtype = np.dtype(w['dtype'])
    d = common.data(dtype)
    np.random.seed(0)
    if w['model'] == 'two-layer':
        model = ref.TwoLayerNet(hidden_dims=w['hidden'][0], weight_scale=w['weightScale'])
    else:
        model = ref.FullyConnectedNet(list(w['hidden']), weight_scale=w['weightScale'], dtype=dtype)
    s = ref.Solver(model, d, optim_config={'learning_rate': w['learningRate']}, batch_size=w['batch'],
                   num_epochs=1, verbose=False)
    per_epoch = d['X_train'].shape[0] // w['batch']
    iterations = iterations or per_epoch
    for _ in range(3):
        s._step()
    t0 = time.perf_counter()
    for _ in range(iterations):
        s._step()
    seconds = time.perf_counter() - t0
    return {'seconds': seconds * per_epoch / iterations, 'iterations': iterations, 'iterationsPerEpoch': per_epoch}


def kernels():
    k = common.SPEC['kernels']
    rng = np.random.default_rng(0)
    out = {}
    for name in k['dtypes']:
        dt = np.dtype(name)
        x = rng.standard_normal((k['batch'], k['inputDim'])).astype(dt)
        for m in k['outputs']:
            w = rng.standard_normal((k['inputDim'], m)).astype(dt)
            b = rng.standard_normal(m).astype(dt)
            dout = rng.standard_normal((k['batch'], m)).astype(dt)
            _, cache = ref.affine_forward(x, w, b)
            out[f'affine forward {k["inputDim"]}x{m} {name}'] = common.sample_micros(lambda: ref.affine_forward(x, w, b))
            out[f'affine backward {k["inputDim"]}x{m} {name}'] = common.sample_micros(lambda: ref.affine_backward(dout, cache))
        dx = rng.standard_normal(x.shape).astype(dt)
        out[f'relu forward {k["batch"]}x{k["inputDim"]} {name}'] = common.sample_micros(lambda: ref.relu_forward(x))
        out[f'relu backward {k["batch"]}x{k["inputDim"]} {name}'] = common.sample_micros(lambda: ref.relu_backward(dx, x))
        scores = rng.standard_normal((k['batch'], k['classes'])).astype(dt)
        y = rng.integers(0, k['classes'], k['batch'])
        out[f'softmax loss {k["batch"]}x{k["classes"]} {name}'] = common.sample_micros(lambda: ref.softmax_loss(scores, y))
        out[f'svm loss {k["batch"]}x{k["classes"]} {name}'] = common.sample_micros(lambda: ref.svm_loss(scores, y))
    return {'kernels': out}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('workload', choices=['W1', 'W2', 'W3', 'W4'])
    parser.add_argument('--iterations', type=int, default=0)
    args = parser.parse_args()
    if args.workload == 'W4':
        result = kernels()
    else:
        w = common.SPEC['workloads'][args.workload]
        result = standalone(w) if w['kind'] == 'standalone' else solver(w, args.iterations)
    result.update({'peer': 'numpy', 'version': np.__version__, 'blas': common.blas_info()})
    common.emit(result)


if __name__ == '__main__':
    main()

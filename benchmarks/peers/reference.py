"""
The reference's numpy code, ported faithfully for timing: layers.py,
layer_utils.py, fc_net.py (TwoLayerNet, FullyConnectedNet without batchnorm
and dropout, which the benchmark workloads do not use), neural_net.py's
TwoLayerNet, and the course's Solver with plain SGD. Only the reference's
known bugs are fixed (README of the seed): the stable softmax, and the
FullyConnectedNet forward/backward pass as the architecture describes it.
"""
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], np.prod(x.shape[1:])) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], np.prod(x.shape[1:])).T @ dout
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return (cache > 0) * dout


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx


def softmax_loss(x, y):
    probs = np.exp(x - np.max(x, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    N = x.shape[0]
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


class TwoLayerNet(object):
    """fc_net.TwoLayerNet: affine - relu - affine - softmax, W1 (D, H)."""

    def __init__(self, input_dim=3*32*32, hidden_dims=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        self.params = {}
        self.reg = reg
        self.params['W1'] = np.random.normal(0, weight_scale, (input_dim, hidden_dims))
        self.params['b1'] = np.zeros(hidden_dims)
        self.params['W2'] = np.random.normal(0, weight_scale, (hidden_dims, num_classes))
        self.params['b2'] = np.zeros(num_classes)

    def loss(self, X, y=None):
        h1, h1_cache = affine_relu_forward(X, self.params['W1'], self.params['b1'])
        scores, h2_cache = affine_forward(h1, self.params['W2'], self.params['b2'])
        if y is None:
            return scores
        grads = {}
        loss, dL_dh2 = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.linalg.norm(self.params['W1']) ** 2 + np.linalg.norm(self.params['W2']) ** 2)
        dL_dh1, grads['W2'], grads['b2'] = affine_backward(dL_dh2, h2_cache)
        dL_dx, grads['W1'], grads['b1'] = affine_relu_backward(dL_dh1, h1_cache)
        grads['W2'] += self.reg * self.params['W2']
        grads['W1'] += self.reg * self.params['W1']
        return loss, grads


class FullyConnectedNet(object):
    """fc_net.FullyConnectedNet: {affine - relu} x (L - 1) - affine - softmax."""

    def __init__(self, hidden_dims, input_dim=3*32*32, num_classes=10, reg=0.0, weight_scale=1e-2, dtype=np.float32):
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        dims = [input_dim] + hidden_dims + [num_classes]
        for layer in range(self.num_layers):
            self.params['W' + str(layer + 1)] = np.random.normal(0, weight_scale, (dims[layer], dims[layer + 1]))
            self.params['b' + str(layer + 1)] = np.zeros(dims[layer + 1])
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        h = X
        caches = []
        for layer in range(1, self.num_layers):
            h, cache = affine_relu_forward(h, self.params['W%d' % layer], self.params['b%d' % layer])
            caches.append(cache)
        L = self.num_layers
        scores, last_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])
        if y is None:
            return scores
        grads = {}
        loss, dout = softmax_loss(scores, y)
        Ws = [self.params['W' + str(i + 1)] for i in range(self.num_layers)]
        loss += 0.5 * self.reg * sum([np.linalg.norm(weight, 'fro')**2 for weight in Ws])
        dh, grads['W%d' % L], grads['b%d' % L] = affine_backward(dout, last_cache)
        for layer in reversed(range(1, L)):
            dh, grads['W%d' % layer], grads['b%d' % layer] = affine_relu_backward(dh, caches[layer - 1])
        for layer in range(1, L + 1):
            grads['W%d' % layer] += self.reg * self.params['W%d' % layer]
        return loss, grads


class StandaloneTwoLayerNet(object):
    """neural_net.TwoLayerNet: W1 (H, D), W2 (C, H), its own SGD train()."""

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        self.params['W1'] = std * np.random.randn(hidden_size, input_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * np.random.randn(output_size, hidden_size)
        self.params['b2'] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape
        relu = lambda x: np.maximum(0, x)
        z1 = X @ W1.T + b1
        a1 = relu(z1)
        z2 = a1 @ W2.T + b2
        scores = z2
        if y is None:
            return scores
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = np.sum(exp, axis=1, keepdims=True)
        softmax_loss = np.sum(np.log(sums[:, 0]) - shifted[np.arange(N), y])
        l2_reg = 0.5 * reg * (np.linalg.norm(W1)**2 + np.linalg.norm(W2)**2)
        loss = softmax_loss / N + l2_reg
        grads = {}
        dL_dz2 = exp / sums
        dL_dz2[np.arange(N), y] -= 1
        dL_dz2 = dL_dz2 / N
        dL_da1 = (W2.T @ dL_dz2.T).T
        dL_dz1 = (z1 > 0) * dL_da1
        grads['W2'] = dL_dz2.T @ a1 + (reg * W2)
        grads['b2'] = np.sum(dL_dz2, axis=0)
        grads['W1'] = (X.T @ dL_dz1).T + (reg * W1)
        grads['b1'] = np.sum(dL_dz1, axis=0)
        return loss, grads

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95,
              reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train / batch_size, 1)
        loss_history = []
        train_acc_history = []
        val_acc_history = []
        for it in np.arange(num_iters):
            samples = np.random.choice(X.shape[0], batch_size)
            X_batch = X[samples, :]
            y_batch = y[samples]
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)
            self.params['W1'] -= learning_rate * grads['W1']
            self.params['W2'] -= learning_rate * grads['W2']
            self.params['b1'] -= learning_rate * grads['b1']
            self.params['b2'] -= learning_rate * grads['b2']
            if it % iterations_per_epoch == 0:
                train_acc = (self.predict(X_batch) == y_batch).mean()
                val_acc = (self.predict(X_val) == y_val).mean()
                train_acc_history.append(train_acc)
                val_acc_history.append(val_acc)
                learning_rate *= learning_rate_decay
        return {'loss_history': loss_history, 'train_acc_history': train_acc_history, 'val_acc_history': val_acc_history}

    def predict(self, X):
        z1 = X @ self.params['W1'].T + self.params['b1']
        a1 = np.maximum(0, z1)
        z2 = a1 @ self.params['W2'].T + self.params['b2']
        return np.argmax(z2, axis=1)


def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    w -= config['learning_rate'] * dw
    return w, config


class Solver(object):
    """The course's Solver (utils/solver.py) with the sgd update rule."""

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data['X_train']
        self.y_train = data['y_train']
        self.X_val = data['X_val']
        self.y_val = data['y_val']
        self.update_rule = sgd
        self.optim_config = kwargs.pop('optim_config', {})
        self.lr_decay = kwargs.pop('lr_decay', 1.0)
        self.batch_size = kwargs.pop('batch_size', 100)
        self.num_epochs = kwargs.pop('num_epochs', 10)
        self.print_every = kwargs.pop('print_every', 10)
        self.verbose = kwargs.pop('verbose', True)
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {}
        for p in self.model.params:
            self.optim_configs[p] = {k: v for k, v in self.optim_config.items()}

    def _step(self):
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]
        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]
        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        return np.mean(y_pred == y)

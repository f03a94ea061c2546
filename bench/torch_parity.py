"""PyTorch reference trainer for the accuracy benchmarks (bench/accuracy.ts, bench/accuracy-full.ts).

It trains Evolab's network (src/ml/model.ts) the way Evolab's trainer does (src/ml/train.ts), on the images of a
subset file written by bench/parity-data.ts, so that only the framework differs:
- conv 'same' + activation, then batch norm; 2x2 max-pool + dropout after convs 2, 4 and 6; flatten, dense + relu,
  dropout, dense 7 + softmax;
- tfjs 4.22's initialisers: he_normal is a normal cut at 2 sd with sd = sqrt(2 / fan_in) and no correction factor
  (tfjs-layers' VarianceScaling leaves out Keras' 0.8796 correction, so the kept values have sd 0.88 sqrt(2 / fan_in));
  glorot_uniform for the output layer; zero biases;
- tfjs' batch norm: moving = 0.99 moving + 0.01 batch (PyTorch momentum 0.01), epsilon 1e-3, and the moving variance
  follows the biased batch variance (PyTorch's BatchNorm2d would use the unbiased one);
- the loss: categorical cross-entropy of the probabilities clipped to [1e-7, 1], as tf.losses.softmaxCrossEntropy on
  log(clip(p)) computes it;
- the chromosome's optimizer with Keras' defaults (bench/torch_reference.py; Adam: epsilon 1e-7 added to the square
  root of the bias-corrected second moment, as tfjs does);
- each epoch a fresh random order of the training images, batches with a short last one, optional horizontal flip of
  each image with probability 1/2; validation after every epoch; no early stopping, so the last epoch's weights are
  the ones tested.

Usage: /usr/bin/python3 bench/torch_parity.py --data FILE --chromosome JSON --seed S --epochs E [--batch 32]
       [--threads 1] [--flip] [--dense 256] [--dropout-conv 0.25] [--dropout-dense 0.5]
Progress goes to stderr; the result is one JSON line on stdout.

       /usr/bin/python3 bench/torch_parity.py --data FILE --check-step STEP.json [--threads 1]
One training step from the weights in STEP.json (bench/parity-step.ts, dropout off) on its batch; prints PyTorch's
loss and, per weight and per tfjs backend in the file, the relative error |g_tfjs - g_torch| / |g_torch|.
"""
import argparse
import json
import math
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_reference import ACT, optimizer

MAGIC = b"EVLSUB01"
EVAL_BATCH = 128
CLIP = 1e-7


def read_subset(path):
    """(images uint8 [n,1,48,48], labels int64 [n], (n_train, n_val, n_test)) from a subset file."""
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    if raw[: len(MAGIC)] != MAGIC:
        raise ValueError(f"{path}: not a subset file")
    n_train, n_val, n_test, side = struct.unpack_from("<4I", raw, len(MAGIC))
    n = n_train + n_val + n_test
    head = len(MAGIC) + 16
    if len(raw) != head + n * (1 + side * side):
        raise ValueError(f"{path}: {len(raw)} bytes, the header says {head + n * (1 + side * side)}")
    labels = torch.frombuffer(raw, dtype=torch.uint8, count=n, offset=head).long()
    images = torch.frombuffer(raw, dtype=torch.uint8, offset=head + n).view(n, 1, side, side)
    return images, labels, (n_train, n_val, n_test)


class KerasBatchNorm(nn.Module):
    """tfjs-layers' BatchNormalization over channels: batch statistics in training, moving averages otherwise."""

    def __init__(self, channels, momentum=0.99, eps=1e-3):
        super().__init__()
        self.momentum = momentum
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_var", torch.ones(channels))

    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.moving_mean, self.moving_var, self.weight, self.bias, False, 0.0, self.eps)
        with torch.no_grad():
            var, mean = torch.var_mean(x, dim=(0, 2, 3), unbiased=False)
            self.moving_mean.mul_(self.momentum).add_(mean, alpha=1 - self.momentum)
            self.moving_var.mul_(self.momentum).add_(var, alpha=1 - self.momentum)
        return F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)


def he_normal_(weight):
    """tfjs' heNormal: truncated normal (resampled beyond 2 sd), sd = sqrt(2 / fan_in), no correction factor."""
    fan_in = weight[0].numel()
    sd = math.sqrt(2.0 / max(1, fan_in))
    nn.init.trunc_normal_(weight, 0.0, sd, -2 * sd, 2 * sd)


class Net(nn.Module):
    """Evolab's network for a chromosome; returns the 7 softmax probabilities."""

    def __init__(self, conv, dense, drop_conv, drop_dense, side=48):
        super().__init__()
        self.acts = [ACT[g["activation"]] for g in conv]
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        cin = 1
        for i, g in enumerate(conv):
            layer = nn.Conv2d(cin, g["filters"], g["kernel"], padding="same")
            he_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
            self.convs.append(layer)
            self.bns.append(KerasBatchNorm(g["filters"]))
            cin = g["filters"]
            if i % 2 == 1:
                side //= 2
        self.drop_conv = nn.Dropout(drop_conv)
        self.dense = nn.Linear(side * side * cin, dense)
        he_normal_(self.dense.weight)
        nn.init.zeros_(self.dense.bias)
        self.drop_dense = nn.Dropout(drop_dense)
        self.out = nn.Linear(dense, 7)
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x):
        for i, (conv, bn, act) in enumerate(zip(self.convs, self.bns, self.acts)):
            x = bn(act(conv(x)))
            if i % 2 == 1:
                x = self.drop_conv(F.max_pool2d(x, 2))
        x = self.drop_dense(F.relu(self.dense(torch.flatten(x, 1))))
        return F.softmax(self.out(x), dim=1)


def clipped_log(probs):
    return torch.log(torch.clamp(probs, CLIP, 1.0))


def evaluate(net, images, labels):
    """(accuracy, mean loss) in inference mode."""
    net.eval()
    correct = 0
    loss = 0.0
    with torch.no_grad():
        for start in range(0, len(labels), EVAL_BATCH):
            x = images[start : start + EVAL_BATCH].float() / 255
            y = labels[start : start + EVAL_BATCH]
            probs = net(x)
            loss += F.cross_entropy(clipped_log(probs), y, reduction="sum").item()
            correct += (probs.argmax(1) == y).sum().item()
    net.train()
    n = max(1, len(labels))
    return correct / n, loss / n


def load_tfjs_weights(net, weights, side):
    """Copies tfjs weights (layer/weight keys, tfjs layouts) into the Net; returns key -> function mapping the
    PyTorch gradient of that weight back to tfjs' layout."""
    to_tfjs = {}

    def put(key, param, from_tfjs, back):
        with torch.no_grad():
            param.copy_(from_tfjs(torch.tensor(weights[key]["values"]).view(*weights[key]["shape"])))
        to_tfjs[key] = lambda: back(param.grad).reshape(-1)

    for i, (conv, bn) in enumerate(zip(net.convs, net.bns)):
        put(f"conv{i + 1}/kernel", conv.weight, lambda t: t.permute(3, 2, 0, 1), lambda g: g.permute(2, 3, 1, 0))
        put(f"conv{i + 1}/bias", conv.bias, lambda t: t, lambda g: g)
        put(f"bn{i + 1}/gamma", bn.weight, lambda t: t, lambda g: g)
        put(f"bn{i + 1}/beta", bn.bias, lambda t: t, lambda g: g)
        with torch.no_grad():
            bn.moving_mean.copy_(torch.tensor(weights[f"bn{i + 1}/moving_mean"]["values"]))
            bn.moving_var.copy_(torch.tensor(weights[f"bn{i + 1}/moving_variance"]["values"]))
    channels = net.convs[-1].out_channels
    units = net.dense.out_features
    # tfjs flattens [h, w, c]; PyTorch flattens [c, h, w].
    put("dense/kernel", net.dense.weight,
        lambda t: t.view(side, side, channels, units).permute(2, 0, 1, 3).reshape(-1, units).t(),
        lambda g: g.t().reshape(channels, side, side, units).permute(1, 2, 0, 3))
    put("dense/bias", net.dense.bias, lambda t: t, lambda g: g)
    put("output/kernel", net.out.weight, lambda t: t.t(), lambda g: g.t())
    put("output/bias", net.out.bias, lambda t: t, lambda g: g)
    return to_tfjs


def check_step(args, images, labels):
    with open(args.check_step) as f:
        step = json.load(f)
    conv = step["chromosome"]["conv"]
    net = Net(conv, step["denseUnits"], 0.0, 0.0, side=images.shape[-1])
    side = images.shape[-1] // 2 ** (len(conv) // 2)
    to_tfjs = load_tfjs_weights(net, step["weights"], side)
    net.train()
    rows = torch.tensor(step["rows"])
    loss = F.cross_entropy(clipped_log(net(images[rows].float() / 255)), labels[rows])
    loss.backward()
    errors = {}
    for key, grad in to_tfjs.items():
        ref = grad()
        errors[key] = {name: ((torch.tensor(b["grads"][key]) - ref).norm() / ref.norm().clamp_min(1e-30)).item()
                       for name, b in step["backends"].items()}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "loss": loss.item(),
                      "backendLoss": {name: b["loss"] for name, b in step["backends"].items()}, "errors": errors}))


def log(message):
    print(f"pytorch: {message}", file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--chromosome", help="chromosome JSON (src/ga/chromosome.ts)")
    p.add_argument("--seed", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--check-step", help="STEP.json from bench/parity-step.ts: compare one step's gradients instead of training")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--flip", action="store_true")
    p.add_argument("--dense", type=int, default=256)
    p.add_argument("--dropout-conv", type=float, default=0.25)
    p.add_argument("--dropout-dense", type=float, default=0.5)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.use_deterministic_algorithms(True)
    images, labels, (n_train, n_val, n_test) = read_subset(args.data)
    if args.check_step:
        check_step(args, images, labels)
        return
    if args.chromosome is None or args.seed is None or args.epochs is None:
        p.error("training needs --chromosome, --seed and --epochs")
    log(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), seed {args.seed}")

    train_x, train_y = images[:n_train], labels[:n_train]
    val_x, val_y = images[n_train : n_train + n_val], labels[n_train : n_train + n_val]
    test_x, test_y = images[n_train + n_val :], labels[n_train + n_val :]

    chromosome = json.loads(args.chromosome)
    t_start = time.perf_counter()
    torch.manual_seed(args.seed)
    order_gen = torch.Generator().manual_seed(args.seed)
    net = Net(chromosome["conv"], args.dense, args.dropout_conv, args.dropout_dense, side=images.shape[-1])
    net.train()
    opt = optimizer(chromosome["optimizer"], net.parameters(), chromosome["learningRate"])

    batches = math.ceil(n_train / args.batch)
    report_every = max(1, batches // 10)
    epochs = []
    train_seconds = 0.0
    images_seen = 0
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        order = torch.randperm(n_train, generator=order_gen)
        loss_sum = 0.0
        correct = 0
        seen = 0
        for b in range(batches):
            t_batch = time.perf_counter()
            idx = order[b * args.batch : (b + 1) * args.batch]
            x = train_x[idx].float() / 255
            if args.flip:
                mirror = torch.rand(len(idx), generator=order_gen) < 0.5
                x[mirror] = x[mirror].flip(-1)
            y = train_y[idx]
            opt.zero_grad()
            probs = net(x)
            loss = F.cross_entropy(clipped_log(probs), y)
            loss.backward()
            opt.step()
            n = len(idx)
            loss_sum += loss.item() * n
            correct += (probs.detach().argmax(1) == y).sum().item()
            seen += n
            train_seconds += time.perf_counter() - t_batch
            images_seen += n
            if not math.isfinite(loss_sum):
                raise RuntimeError(f"loss became {loss.item()} at epoch {epoch}, batch {b + 1}")
            if (b + 1) % report_every == 0 and b + 1 < batches:
                rate = images_seen / max(train_seconds, 1e-9)
                left = (args.epochs - epoch) * n_train + n_train - seen
                log(f"seed {args.seed} epoch {epoch}/{args.epochs} batch {b + 1}/{batches} loss {loss_sum / seen:.4f} "
                    f"acc {correct / seen:.4f} {rate:.0f} img/s, about {left / rate / 60:.1f} min of training left")
        val_acc, val_loss = evaluate(net, val_x, val_y)
        seconds = time.perf_counter() - t_epoch
        epochs.append({"epoch": epoch, "loss": loss_sum / seen, "accuracy": correct / seen,
                       "valLoss": val_loss, "valAccuracy": val_acc, "seconds": seconds})
        log(f"seed {args.seed} epoch {epoch}/{args.epochs}: loss {loss_sum / seen:.4f} acc {correct / seen:.4f} "
            f"val loss {val_loss:.4f} val acc {val_acc:.4f} ({seconds:.0f} s)")
    test_acc, test_loss = evaluate(net, test_x, test_y)
    print(json.dumps({
        "seed": args.seed,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "epochs": epochs,
        "valAccuracy": epochs[-1]["valAccuracy"] if epochs else 0.0,
        "testAccuracy": test_acc,
        "testLoss": test_loss,
        "seconds": time.perf_counter() - t_start,
        "imagesPerSecond": images_seen / max(train_seconds, 1e-9),
    }))


if __name__ == "__main__":
    main()

"""Tests for :mod:`lecturelib.torchkit.checkpoint`: state dict and metadata on disk."""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.torchkit import checkpoint
from lecturelib.torchkit.baselines import mnist1d_cnn, mnist1d_mlp
from lecturelib.torchkit.checkpoint import load_checkpoint, save_checkpoint


def _trained(build, dtype: torch.dtype = torch.float32, seed: int = 0) -> nn.Module:
    """A model after two Adam steps in training mode: parameters and batch norm buffers all changed."""
    net = build(seed=seed).to(dtype)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(seed)
    for _ in range(2):
        x, y = torch.randn(16, 40, generator=g, dtype=dtype), torch.randint(0, 10, (16,), generator=g)
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    return net


BUILDS = {
    "cnn": lambda seed: mnist1d_cnn(seed=seed),
    "cnn_bn": lambda seed: mnist1d_cnn(batch_norm=True, seed=seed),
    "mlp_bn": lambda seed: mnist1d_mlp(hidden=[16, 8], batch_norm=True, seed=seed),
}


def _assert_same_state(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert sa[key].dtype == sb[key].dtype, key
        assert torch.equal(sa[key], sb[key]), key


@pytest.mark.parametrize("name", sorted(BUILDS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_round_trip_is_exact(tmp_path, name, dtype):
    net = _trained(BUILDS[name], dtype)
    meta = {"epochs": 3, "lr": 0.01, "classes": [0, 1, 2], "note": "source", "nested": {"a": None, "b": True}}
    path = save_checkpoint(net, tmp_path / "sub" / "net.pt", **meta)
    assert path == tmp_path / "sub" / "net.pt" and path.is_file()
    fresh = BUILDS[name](seed=1).to(dtype)
    assert load_checkpoint(fresh, path) == meta
    _assert_same_state(fresh, net)
    x = torch.randn(5, 40, generator=torch.Generator().manual_seed(3), dtype=dtype)
    assert torch.equal(fresh.eval()(x), net.eval()(x))


def test_metadata_round_trips_as_json_does(tmp_path):
    path = save_checkpoint(nn.Linear(2, 2), tmp_path / "a.pt", classes=(5, 6), budget=np.int64(3).item())
    assert load_checkpoint(nn.Linear(2, 2), path) == {"classes": [5, 6], "budget": 3}
    assert load_checkpoint(nn.Linear(2, 2), save_checkpoint(nn.Linear(2, 2), tmp_path / "b.pt")) == {}


def test_save_replaces_an_existing_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "net.pt"
    save_checkpoint(nn.Linear(3, 2), path, version=1)
    net = _trained(BUILDS["cnn"])
    save_checkpoint(net, path, version=2)
    fresh = mnist1d_cnn(seed=5)
    assert load_checkpoint(fresh, path) == {"version": 2}
    _assert_same_state(fresh, net)
    assert sorted(os.listdir(tmp_path)) == ["net.pt"]


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = save_checkpoint(nn.Linear(3, 2), tmp_path / "net.pt", version=1)
    before = path.read_bytes()

    def broken_save(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(nn.Linear(3, 2), path, version=2)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["net.pt"]


def test_the_file_needs_no_pickled_code(tmp_path):
    path = save_checkpoint(_trained(BUILDS["cnn_bn"]), tmp_path / "net.pt", accuracy=0.5)
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == checkpoint.CHECKPOINT_FORMAT
    assert all(t.device.type == "cpu" for t in payload["state_dict"].values())


def test_mismatched_architecture_names_missing_unexpected_and_reshaped_keys(tmp_path):
    path = save_checkpoint(mnist1d_cnn(5, batch_norm=True), tmp_path / "src.pt")
    target = mnist1d_cnn(10)  # no batch norm, and a 10-way head
    target.extra = nn.Linear(2, 2)
    before = copy.deepcopy(target.state_dict())
    with pytest.raises(ValueError) as info:
        load_checkpoint(target, path)
    message = str(info.value)
    assert message.startswith(f"model does not match the checkpoint {str(path)!r} (Sequential): ")
    assert "missing keys (in the model, not in the checkpoint): extra.weight, extra.bias\n" in message
    assert ("unexpected keys (in the checkpoint, not in the model): block1.bn.weight, block1.bn.bias, "
            "block1.bn.running_mean, block1.bn.running_var, block1.bn.num_batches_tracked, block2.bn.weight") in message
    assert ("shapes differ: head.weight (5, 125) in the checkpoint, (10, 125) in the model; "
            "head.bias (5,) in the checkpoint, (10,) in the model") in message
    assert "block1.conv.weight" not in message  # same key, same shape: not a problem
    for key, value in target.state_dict().items():
        assert torch.equal(value, before[key]), key  # left unchanged


@pytest.mark.parametrize(("model", "match"), [
    (nn.Linear(3, 4), r"shapes differ: weight \(2, 3\) in the checkpoint, \(4, 3\) in the model; "
                      r"bias \(2,\) in the checkpoint, \(4,\) in the model$"),
    (nn.Sequential(nn.Linear(3, 2)), r"missing keys \(in the model, not in the checkpoint\): 0.weight, 0.bias\n"
                                     r"unexpected keys \(in the checkpoint, not in the model\): weight, bias$"),
    (nn.Linear(3, 2, bias=False), r"unexpected keys \(in the checkpoint, not in the model\): bias$"),
])
def test_each_kind_of_mismatch_alone(tmp_path, model, match):
    path = save_checkpoint(nn.Linear(3, 2), tmp_path / "a.pt")
    with pytest.raises(ValueError, match=match):
        load_checkpoint(model, path)


@pytest.mark.parametrize("content", [b"", b"not a checkpoint", b"PK\x03\x04broken zip"])
def test_a_corrupt_file_is_not_a_checkpoint(tmp_path, content):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="^path must be a checkpoint written by save_checkpoint, got .*bad.pt"):
        load_checkpoint(nn.Linear(3, 2), path)


@pytest.mark.parametrize("payload", [nn.Linear(3, 2).state_dict(), {"format": "other"}, [1, 2],
                                     {"format": checkpoint.CHECKPOINT_FORMAT, "state_dict": {}, "metadata": 3}])
def test_a_torch_file_of_another_kind_is_not_a_checkpoint(tmp_path, payload):
    path = tmp_path / "other.pt"
    torch.save(payload, path)
    with pytest.raises(ValueError, match="^path must be a checkpoint written by save_checkpoint"):
        load_checkpoint(nn.Linear(3, 2), path)


def test_a_truncated_checkpoint_is_not_a_checkpoint(tmp_path):
    path = save_checkpoint(mnist1d_cnn(), tmp_path / "net.pt")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="^path must be a checkpoint written by save_checkpoint"):
        load_checkpoint(mnist1d_cnn(), path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="^path must be an existing checkpoint file, got .*nothing.pt"):
        load_checkpoint(nn.Linear(3, 2), tmp_path / "nothing.pt")


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda p: save_checkpoint(nn.Linear(2, 2), p, weights=np.zeros(2)), TypeError,
     "^metadata weights must be JSON-serializable .*, got ndarray"),
    (lambda p: save_checkpoint(nn.Linear(2, 2), p, loss=float("nan")), TypeError,
     "^metadata loss must be JSON-serializable .*, got float nan"),
    (lambda p: save_checkpoint(nn.Linear(2, 2), p, device=torch.device("cpu")), TypeError,
     "^metadata device must be JSON-serializable"),
    (lambda p: save_checkpoint({"weight": torch.zeros(2)}, p), TypeError,
     "^model must be a torch.nn.Module, got dict"),
    (lambda p: load_checkpoint("net", p), TypeError, "^model must be a torch.nn.Module, got str"),
    (lambda p: save_checkpoint(nn.Linear(2, 2), 3), TypeError, "^path must be a str or a path, got int 3"),
    (lambda p: load_checkpoint(nn.Linear(2, 2), None), TypeError, "^path must be a str or a path, got NoneType"),
])
def test_bad_arguments(tmp_path, call, error, match):
    with pytest.raises(error, match=match):
        call(tmp_path / "net.pt")
    assert not (tmp_path / "net.pt").exists()

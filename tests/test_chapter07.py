"""Chapter 7 (transfer learning and pretraining): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here independently (layer arithmetic, known
constants, comparisons between measured values), never by the code that
produced them.
"""

from __future__ import annotations

import math

from notebook_data import ROOT, glued, read

VALUES = glued(read(ROOT / "chapters" / "07_transfer_learning.ipynb"))


def _v(name: str) -> float:
    return VALUES[name]


def _conv_length(length: int, kernel: int, stride: int = 2, padding: int = 1) -> int:
    return (length + 2 * padding - kernel) // stride + 1


# The source CNN: 1 -> 25 -> 25 -> 25 channels, kernels 5, 3, 3, stride 2, padding 1.
_L1 = _conv_length(40, 5)
_L2 = _conv_length(_L1, 3)
_L3 = _conv_length(_L2, 3)
_CONV_PARAMS = (1 * 25 * 5 + 25) + 2 * (25 * 25 * 3 + 25)
_HEAD5 = 25 * _L3 * 5 + 5


def _spread(name: str, words: str, low: float, high: float) -> dict:
    """Claims for a glued median and its range: the median in (low, high)."""
    return {
        name: (words, lambda v: low < v < high),
        f"{name}_lo": ("the range holds the median", lambda v: v <= _v(name)),
        f"{name}_hi": ("the range holds the median", lambda v: _v(name) <= v),
    }


def _tie(a: str, b: str) -> bool:
    return abs(_v(a) - _v(b)) < 0.03


CLAIMS = {
    # ---- setup: MNIST-1D with 10,000 sequences: 7,200 train, 800 val, 2,000 test
    "n_source_train": ("about half of the 7,200 training sequences", lambda v: 3300 < v < 3900),
    "n_target_train": ("the other training sequences: 7,200 in all",
                       lambda v: v + _v("n_source_train") == 7200),
    "n_target_test": ("about half of the 2,000 test sequences", lambda v: 850 < v < 1150),
    # ---- ch7-source
    "src_acc": ("the source network is accurate on its own classes", lambda v: 0.95 < v <= 1.0),
    "src_steps": ("20 epochs of batches of 128",
                  lambda v: v == 20 * math.ceil(_v("n_source_train") / 128)),
    "src_params": ("three conv layers and a 125-to-5 head", lambda v: v == _CONV_PARAMS + _HEAD5),
    "recipe_trainable": ("only the head trains: 125 x 5 + 5", lambda v: v == 125 * 5 + 5 == _HEAD5),
    "recipe_acc": ("feature extraction on 25 labels: far above chance 0.2", lambda v: 0.4 < v < 0.65),
    "recipe_same": ("fine_tune reproduces the hand-written recipe exactly", lambda v: v is True),
    # ---- ch7-layers: linear probes
    "width_unflatten": ("the raw input: 40 values", lambda v: v == 40),
    "width_block1": ("25 channels x 19 positions", lambda v: v == 25 * _L1 == 475),
    "width_block2": ("25 channels x 10 positions", lambda v: v == 25 * _L2 == 250),
    "width_block3": ("25 channels x 5 positions", lambda v: v == 25 * _L3 == 125),
    "width_head": ("the five source-class scores", lambda v: v == 5),
    "probe_all_unflatten": ("a linear classifier on the raw input is weak",
                            lambda v: 0.3 < v < _v("probe_all_head")),
    "probe_all_block1": ("the blocks separate the new classes well", lambda v: v > _v("probe_all_head")),
    "probe_all_block2": ("the blocks separate the new classes well", lambda v: v > _v("probe_all_head")),
    "probe_all_block3": ("the blocks separate the new classes well", lambda v: v > _v("probe_all_head")),
    "probe_all_head": ("the head is specific: below every block, above the input",
                       lambda v: _v("probe_all_unflatten") < v < _v("probe_all_block_min")),
    "probe_all_block_min": ("the weakest block, still far above the input",
                            lambda v: v == min(_v(f"probe_all_block{k}") for k in (1, 2, 3))
                            and v > _v("probe_all_unflatten") + 0.2),
    "probe_all_block_max": ("the best block; the three lie close together",
                            lambda v: v == max(_v(f"probe_all_block{k}") for k in (1, 2, 3))
                            and v - _v("probe_all_block_min") < 0.05),
    "probe_few_unflatten": ("5 labels per class: the raw input probe, above chance", lambda v: 0.2 < v < 0.45),
    "probe_few_block1": ("no better than the raw input with 25 examples",
                         lambda v: v < _v("probe_few_unflatten") + 0.02),
    "probe_few_block2": ("improves with depth", lambda v: v > _v("probe_few_block1")),
    "probe_few_block3": ("improves with depth", lambda v: v > _v("probe_few_block2")),
    "probe_few_head": ("the head is best with 5 labels per class",
                       lambda v: v > _v("probe_few_block3") and v < _v("probe_all_head")),
    # ---- ch7-strategies: medians over five seeds
    "sw_scratch_1": ("from scratch with one label per class: near chance 0.2", lambda v: 0.15 < v < 0.3),
    "sw_scratch_5": ("scratch improves with labels", lambda v: _v("sw_scratch_1") < v < _v("sw_scratch_20")),
    "sw_scratch_20": ("scratch improves with labels", lambda v: v < _v("sw_scratch_100")),
    "sw_scratch_100": ("with 100 labels scratch nearly catches up", lambda v: v > _v("sw_fe_100") - 0.05),
    "sw_fe_1": ("transfer with one label per class beats scratch", lambda v: v > _v("sw_scratch_1") + 0.05),
    "sw_fe_5": ("feature extraction far above scratch at 5 labels", lambda v: v > _v("sw_scratch_5") + 0.1),
    "sw_fe_20": ("transfer strategies tie up to 20 labels", lambda v: _tie("sw_fe_20", "sw_all_20")),
    "sw_fe_100": ("feature extraction behind fine-tuning at 100", lambda v: v < _v("sw_last_100")),
    "sw_last_1": ("transfer strategies tie up to 20 labels", lambda v: _tie("sw_last_1", "sw_fe_1")),
    "sw_last_5": ("transfer strategies tie up to 20 labels", lambda v: _tie("sw_last_5", "sw_fe_5")),
    "sw_last_20": ("transfer strategies tie up to 20 labels", lambda v: _tie("sw_last_20", "sw_fe_20")),
    "sw_last_100": ("the last block lies between features and all",
                    lambda v: _v("sw_fe_100") < v < _v("sw_all_100")),
    "sw_all_1": ("transfer strategies tie up to 20 labels", lambda v: _tie("sw_all_1", "sw_fe_1")),
    "sw_all_5": ("transfer strategies tie up to 20 labels", lambda v: _tie("sw_all_5", "sw_fe_5")),
    "sw_all_20": ("transfer strategies tie up to 20 labels", lambda v: _tie("sw_all_20", "sw_fe_20")),
    "sw_all_100": ("fine-tuning all is best at 100 labels", lambda v: v > _v("sw_fe_100") + 0.03),
    "sw_gap_1": ("the gain grows from 1 label", lambda v: 0 < v < _v("sw_gap_5")),
    "sw_gap_5": ("the gain grows up to 20 labels", lambda v: v < _v("sw_gap_20")),
    "sw_gap_20": ("the gain peaks near 20 labels", lambda v: v > 0.15),
    "sw_gap_100": ("the gap shrinks with more labels: smaller than at 5 and 20",
                   lambda v: v < min(_v("sw_gap_5"), _v("sw_gap_20"))),
    "sw_min_gain_small": ("every transfer strategy beats scratch on every seed at 1-20 labels",
                          lambda v: v > 0),
    "sw_all_wins_100": ("at 100 labels fine-tuning all wins on most seeds", lambda v: 3 <= v <= 5),
    "sw_fe_wins_100": ("at 100 labels feature extraction still wins on most seeds", lambda v: 3 <= v <= 5),
    **_spread("sw_all_minus_fe_100", "fine-tuning all ahead of features at 100", 0.0, 0.2),
    "sw_all_minus_fe_100_lo": ("ahead on every seed", lambda v: 0 < v <= _v("sw_all_minus_fe_100")),
    # ---- ch7-related: permuted target
    "rel_scratch_5": ("scratch on the shuffled target, 5 labels: like unshuffled scratch",
                      lambda v: abs(v - _v("sw_scratch_5")) < 0.05),
    "rel_scratch_100": ("shuffling makes the task harder for the CNN from scratch too",
                        lambda v: 0.5 < v < _v("sw_scratch_100") - 0.05),
    "rel_fe_5": ("little gain at 5 labels", lambda v: v < _v("sw_fe_5") - 0.1),
    "rel_fe_100": ("negative transfer: the frozen body loses most", lambda v: v < _v("rel_all_100")),
    "rel_all_5": ("little gain at 5 labels", lambda v: v > _v("rel_scratch_5")),
    "rel_all_100": ("negative transfer: below scratch", lambda v: v < _v("rel_scratch_100")),
    "rel_gain_fe_5": ("little help: a small gain", lambda v: -0.05 < v < 0.1),
    "rel_gain_all_5": ("little help: a small gain", lambda v: 0 < v < 0.1),
    "rel_gain_fe_100": ("negative transfer", lambda v: v < 0),
    "rel_gain_all_100": ("negative transfer, smaller than the frozen body's",
                         lambda v: _v("rel_gain_fe_100") < v < 0),
    "sim_gain_fe_5": ("similar task, little data: a large gain", lambda v: v > 0.1),
    "sim_gain_all_5": ("similar task, little data: a large gain", lambda v: v > 0.1),
    "sim_gain_fe_100": ("similar task, lots of data: features gain least",
                        lambda v: v < _v("sim_gain_all_100")),
    "sim_gain_all_100": ("similar task, lots of data: fine-tuning all gains", lambda v: v > 0),
    "rel_max_gain_100": ("every transfer strategy loses on every seed at 100", lambda v: v < 0),
    "rel_min_gain_all_5": ("fine-tuning all beats scratch on every seed at 5", lambda v: v > 0),
    "rel_probe_block1": ("shuffled task: the probe falls with depth", lambda v: v > _v("rel_probe_block3")),
    "rel_probe_block2": ("shuffled task: the probe falls with depth", lambda v: v > _v("rel_probe_block3")),
    "rel_probe_block3": ("shuffled task: the probe falls with depth, below the similar task's blocks",
                         lambda v: v > _v("rel_probe_head") and v < _v("probe_all_block_min")),
    "rel_probe_head": ("shuffled task: the head's probe is lowest of the layers", lambda v: 0.2 < v),
    "rel_probe_few_head": ("5 labels: the head probe beats every strategy of the table",
                           lambda v: v > max(_v("rel_all_5"), _v("rel_fe_5"), _v("rel_scratch_5"))),
    # ---- ch7-related: the digits
    "dig_src_acc": ("the digits source MLP is accurate", lambda v: v > 0.95),
    "dig_scratch_1": ("scratch wins with one label", lambda v: v > max(_v("dig_all_1"), _v("dig_fe_1"))),
    "dig_scratch_5": ("scratch wins with five labels", lambda v: v > max(_v("dig_all_5"), _v("dig_fe_5"))),
    "dig_scratch_20": ("scratch wins with 20 labels", lambda v: v > max(_v("dig_all_20"), _v("dig_fe_20"))),
    "dig_fe_1": ("the frozen body is worst", lambda v: v <= _v("dig_all_1") + 0.03),
    "dig_fe_5": ("the frozen body does worse than the raw pixels", lambda v: v < _v("dig_raw_probe")),
    "dig_fe_20": ("the frozen body is worst", lambda v: v < _v("dig_all_20")),
    "dig_all_1": ("fine-tuning all, below scratch", lambda v: v < _v("dig_scratch_1")),
    "dig_all_5": ("fine-tuning all, below scratch", lambda v: v < _v("dig_scratch_5")),
    "dig_all_20": ("fine-tuning all, below scratch", lambda v: v < _v("dig_scratch_20")),
    "dig_scratch_beats": ("scratch beat both transfer strategies in all 30 comparisons",
                          lambda v: v == 3 * 2 * 5),
    "dig_raw_probe": ("the digits' raw pixels are nearly linearly separable", lambda v: v > 0.8),
    "m1d_raw_probe": ("MNIST-1D's raw input is not; the same probe as probe_few_unflatten",
                      lambda v: v < 0.45 and v == _v("probe_few_unflatten")),
    "dig_block2_probe": ("the source's block-2 features probe worse than the raw pixels",
                         lambda v: v < _v("dig_raw_probe")),
    "dig_all_fast_5": ("fine-tuning all at 0.01 does better than at 0.001, about ties scratch",
                       lambda v: v > _v("dig_all_5") and abs(v - _v("dig_scratch_5")) < 0.05),
    "dig_all_fast_wins": ("roughly ties: wins on some seeds, not all", lambda v: 1 <= v <= 4),
    # ---- ch7-pitfalls
    **_spread("pit_bn_true", "BN statistics updated: lower accuracy", 0.3, 0.55),
    **_spread("pit_bn_false", "BN kept in eval mode", 0.4, 0.6),
    **_spread("pit_bn_diff", "train_bn=True costs accuracy on every seed", -0.15, 0.0),
    "pit_bn_diff_hi": ("costs accuracy on every seed", lambda v: _v("pit_bn_diff") <= v < 0),
    "pit_bn_shift": ("the first block's running means moved", lambda v: v > 0.03),
    "pit_bn_shift_sd": ("a fraction of a standard deviation", lambda v: 0.05 < v < 0.5),
    "pit_bn_cost_5_25": ("full batches of 25: a smaller cost than batches of 5",
                         lambda v: v < -_v("pit_bn_diff")),
    "pit_bn_cost_20_5": ("20 labels, batches of 5: still a cost", lambda v: v > 0),
    "pit_bn_cost_20_100": ("20 labels, full batches: the cost nearly vanishes",
                           lambda v: abs(v) < _v("pit_bn_cost_20_5") and abs(v) < 0.02),
    "pit_probe_src": ("the source's block-3 features probe well", lambda v: v > 0.75),
    "pit_lr3_acc": ("fine-tuning all at 0.001", lambda v: v > _v("pit_lr1_acc") + 0.1),
    "pit_lr3_probe": ("at 0.001 the features survive", lambda v: v > _v("pit_probe_src") - 0.05),
    "pit_lr2_acc": ("0.01 between the two", lambda v: _v("pit_lr1_acc") < v <= _v("pit_lr3_acc")),
    "pit_lr2_probe": ("0.01 between the two", lambda v: _v("pit_lr1_probe") < v < _v("pit_lr3_probe")),
    "pit_lr1_acc": ("at 0.1 about as bad as scratch", lambda v: v < _v("sw_scratch_5") + 0.03),
    "pit_lr1_probe": ("at 0.1 the features are destroyed", lambda v: v < _v("pit_probe_src") - 0.2),
    "pit_lr_worse": ("0.1 worse than 0.001 on every seed", lambda v: v == 5),
    "pit_zero_shot": ("the old head's agreement is coincidence, far from the trained heads'",
                      lambda v: 0.2 < v < _v("sw_fe_100")),
    "pit_old_loss0": ("the old head starts confidently wrong", lambda v: v > 3 * _v("pit_new_loss0")),
    "pit_zero_shot_hits": ("some, not all, target classes land on their index by chance",
                           lambda v: 0 < v < 5),
    "pit_kept_acc": ("the kept head ends below a fresh head", lambda v: v < _v("sw_fe_5")),
    "pit_kept_wins": ("it beats the fresh head on few seeds", lambda v: 0 <= v <= 2),
    "pit_new_loss0": ("a fresh head starts near, above, a uniform guess",
                      lambda v: math.log(5) < v < 4.0),
    "ln5": ("ln 5", lambda v: v == round(math.log(5), 3)),
    # ---- ch7-greedy
    **_spread("gr_e2e", "end to end: chance, 1 in 10", 0.05, 0.15),
    "gr_e2e_loss": ("the loss of a uniform guess, ln 10", lambda v: abs(v - math.log(10)) < 0.05),
    **_spread("gr_greedy", "greedy pretraining trains the deep sigmoid net", 0.85, 1.0),
    "gr_greedy_loss": ("greedy's training loss far below ln 10", lambda v: v < 0.5),
    **_spread("gr_bn", "batch norm trains it end to end", 0.9, 1.0),
    "gr_bn_loss": ("batch norm's training loss far below ln 10", lambda v: v < 0.5),
    **_spread("gr_he", "He init and ReLU train it end to end", 0.9, 1.0),
    "gr_he_loss": ("He init and ReLU: training loss far below ln 10", lambda v: v < 0.5),
    "ln10": ("ln 10", lambda v: v == round(math.log(10), 3)),
    # ---- ch7-explore
    "exp_same": ("the explorer reproduces the sweep's seed-0 runs exactly", lambda v: v is True),
}


def test_the_head_that_is_not_replaced_fails_loudly_with_eight_classes():
    """The cell after "the mistake is loud" prints torch's IndexError."""
    nb = read(ROOT / "chapters" / "07_transfer_learning.ipynb")
    cell = next(c for c in nb.cells if c.cell_type == "code" and "eight = " in c.source)
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert text.startswith("IndexError: ") and "out of bounds" in text, text


def test_every_range_is_ordered():
    for name in CLAIMS:
        if name.endswith("_lo"):
            assert VALUES[name] <= VALUES[name[:-3]] <= VALUES[name[:-3] + "_hi"], name

"""Shared documentation of the training parameters of deepmine's tabular networks."""

TRAINING_PARAMS_DOC = """
    optimizer : {"adam", "adamw", "sgd", "adagrad"}
        The optimiser; SGD uses Nesterov momentum 0.9.
    lr : float
        The (peak) learning rate. ``estimator.lr_find(X, y).suggestion`` proposes one.
    weight_decay : float
        L2 penalty on the weights.
    batch_size : int or "auto"
        Rows per mini-batch; "auto" gives about eight batches an epoch on small tables, up to 512 rows.
    max_epochs : int
        Passes over the training data at most.
    early_stopping : int or None
        Stop after this many epochs without a lower validation loss and restore the best weights;
        None trains for ``max_epochs``.
    validation_fraction : float
        Share of the training rows held out to watch for early stopping.
    lr_schedule : {"onecycle", "constant", "cosine", "plateau"}
        How the learning rate moves during training (one-cycle by default, as in fastai).
    grad_clip : float or None
        Clip the gradient norm to this value.
    roles : dict or None
        Column roles that override inference, e.g. ``{"zip": "categorical", "notes": "drop"}``.
    device : {"auto", "cpu", "cuda", "mps"}
        Where to train; "auto" picks CUDA, then MPS, then the CPU.
    precision : {"float32", "bf16", "fp16", "auto"}
        Automatic mixed precision for training: "bf16" (bfloat16) or "fp16" (float16, with loss scaling)
        autocast the forward pass; "auto" is bf16 on a CPU with native bfloat16 (AVX512-BF16 or AMX) and on
        a CUDA GPU that supports it, fp16 on other CUDA GPUs, float32 elsewhere. Weights, optimiser state and
        predictions stay float32; ``training_precision_`` says what a fit used. The default is "auto" where the
        study's five seeds found bf16 faster with the same scores (DeepClassifier, DeepRegressor, TabM, the text
        CNN, the fine-tuned transformer), "float32" elsewhere (docs/speed.md, "Precision").
    random_state : int or None
        Seed for weights, shuffling, dropout and the validation split: the same data and seed give
        the same predictions.
    verbose : int
        1 shows a progress bar with the losses; 0 is silent.
    callbacks : list of deepmine.training.Callback or None
        Extra hooks called at the start, after every epoch and at the end of training.
"""


def training_params_doc(*without: str) -> str:
    """The shared training parameters' documentation, less the ones named in ``without`` (those an estimator
    does not take), so that no docstring documents a parameter its signature lacks."""
    entries, current = [], []
    for line in TRAINING_PARAMS_DOC.strip("\n").split("\n"):
        if line.startswith("    ") and not line.startswith("     ") and current:
            entries.append(current)
            current = []
        current.append(line)
    entries.append(current)
    kept = [e for e in entries if e[0].split(" : ")[0].strip() not in without]
    return "\n" + "\n".join(line for entry in kept for line in entry) + "\n"

"""Quick self-test of chapter 7, "Tools and resources"; see dlbook.quiz."""

from . import Question

QUESTIONS = (
    Question(
        "On which backends does Keras 3 train models?",
        (("TensorFlow, Theano and CNTK.", False,
          "That was Keras 2 until 2019; Theano's development ended in "
          "2017 and CNTK's last release was in 2019."),
         ("TensorFlow only: Keras is TensorFlow's high-level API.", False,
          "That was true of `tf.keras` from 2019; Keras 3 (2023) is "
          "multi-backend again, chosen with `KERAS_BACKEND`."),
         ("TensorFlow, JAX and PyTorch.", True,
          "Keras 3 trains on these three; its NumPy and OpenVINO "
          "backends only run models (their `fit` raises "
          "`NotImplementedError`)."),
         ("Any of them, and Keras code can also be written in C++.",
          False,
          "Keras is a Python library. What runs from C++ is an exported "
          "model, a SavedModel for TensorFlow's C++ API or Serving."))),
    Question(
        "A PyTorch `nn.Linear(64, 10)` has `weight` of shape (10, 64) and "
        "`bias` of shape (10,). What does a Keras `Dense(10)` need to "
        "compute the same outputs?",
        (("The same two arrays: both layers compute $xW + b$.", False,
          "PyTorch computes `x @ weight.T + bias`, Keras `x @ kernel + "
          "bias`; the kernel has shape (64, 10) and `set_weights` would "
          "refuse (10, 64)."),
         ("`weight.reshape(64, 10)` and the bias.", False,
          "The shape is right, the numbers are not: a reshape keeps the "
          "entries in their order and only regroups them."),
         ("`weight.T` and the bias unchanged.", True,
          "The transpose moves `weight[j, i]` to `kernel[i, j]`; the bias "
          "is a vector of outputs in both frameworks."),
         ("`weight.T` and `bias.T`.", False,
          "Transposing a 1-D array changes nothing, and nothing needs "
          "changing: the bias is the same vector of 10 outputs in both."))),
    Question(
        "Why does a PyTorch training loop call `optimizer.zero_grad()` "
        "before `loss.backward()`?",
        (("To reset the weights to their initial values before each "
          "step.", False,
          "The weights are untouched; only the `.grad` arrays are set to "
          "zero."),
         ("Because `backward` adds into `.grad`: uncleared, successive "
          "batches' gradients would accumulate.", True,
          "`dlbook`'s `backward` overwrites its `grads` instead, and Keras "
          "gets fresh gradients from `tape.gradient`; porting a loop "
          "between them must account for this."),
         ("To free the memory of the previous batch's activations, "
          "which the old gradients keep alive until cleared.", False,
          "The activations are released after `backward`; `zero_grad` "
          "only concerns the accumulated gradients."))),
    Question(
        "A run shuffles its data with a generator that reshuffles every "
        "epoch. What must a checkpoint hold for a resumed run to end at "
        "exactly the weights of an uninterrupted one?",
        (("The weights: everything else is rebuilt from the same code "
          "and seeds.", False,
          "Without the optimizer's state, Adam restarts with zero moments "
          "and the bias correction of step 1, so the next steps differ."),
         ("The weights and the optimizer's state (Adam's moments and "
          "step count).", False,
          "Then the data come in other orders: the generator that "
          "shuffles must be restored too, and the epoch number, or the "
          "run trains too many epochs."),
         ("The weights, the optimizer's state, the epoch number and the "
          "shuffling generator's state.", True,
          "Leaving out any one of the four broke the exact resumption in "
          "the chapter's checkpoint exercise. Keras's `BackupAndRestore` "
          "was exact only because a seeded `fit` on arrays repeats one "
          "order in every epoch."))),
    Question(
        "With `MirroredStrategy` on two devices, a global batch of 64 "
        "goes to the replicas as 32 + 32. What happens in one step?",
        (("Each replica computes the gradient of its 32 examples; the "
          "gradients are all-reduced and every replica applies the same "
          "update.", True,
          "With each replica's loss divided by the global batch size, the "
          "sum is the full-batch gradient, and the copies stay identical; "
          "training ended at the single-device weights."),
         ("Each replica trains its own copy of the model on its half of "
          "the data, and the weights are averaged at the end of each "
          "epoch.", False,
          "The replicas synchronise at every step, through their "
          "gradients, not once per epoch through their weights."),
         ("Each replica receives all 64 examples of the batch, so that "
          "the model sees every example twice per step.", False,
          "The strategy splits the global batch: each replica gets its "
          "share, 32 here."))),
    Question(
        "Under mixed precision, why keep a float32 master copy of the "
        "weights?",
        (("Because float16 cannot represent an update as small as "
          "$10^{-4}$: it underflows to zero before reaching the weight.",
          False,
          "$10^{-4}$ is a perfectly good float16 number; what is lost is "
          "the sum $1 + 10^{-4}$, which rounds back to 1."),
         ("Because near 1 float16 numbers are $2^{-10}$ apart: an "
          "update below half of that leaves the weight unchanged.", True,
          "1000 updates of $10^{-4}$ left a float16 weight at exactly 1 "
          "and took a float32 one to 1.1."),
         ("Because float32 arithmetic is faster on GPUs.", False,
          "The other way round: float16 is what makes mixed precision "
          "fast; the float32 copy is kept for accuracy."))),
)

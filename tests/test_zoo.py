"""Tests for dlbook.zoo.train_classifier, the decision-boundary explorer's
trainer.  (The zoo's builders are tested through the models they build, in
test_fit.py, test_twins.py and test_gradients.py.)"""

import numpy as np
import pytest

from dlbook import data, optim, zoo
from dlbook.losses import SparseCategoricalCrossentropy


def test_a_hidden_layer_learns_what_a_linear_model_cannot():
    X, y = data.load_example("circles")
    linear_model, linear_acc = zoo.train_classifier(X, y, depth=0)
    model, net_acc = zoo.train_classifier(X, y, depth=2, width=16)
    assert linear_acc < 0.75 < 0.95 < net_acc
    assert len(linear_model.layers) == 1                # logistic regression
    assert len(model.history_["loss"]) == 300
    assert model.history_["loss"][-1] < model.history_["loss"][0] / 10
    assert net_acc == np.mean(model.predict(X).argmax(axis=1) == y)


def test_train_classifier_is_an_mlp_fitted_full_batch_with_adam():
    X, y = data.load_example("spirals")                 # 3 classes
    model, _ = zoo.train_classifier(X, y, depth=1, width=8, lr=0.02,
                                    steps=25, activation="tanh", rng=4)
    assert [layer.params["W"].shape for layer in model.layers
            if "W" in layer.params] == [(2, 8), (8, 3)]
    # the same run spelled out
    same = zoo.mlp((2, 8, 3), activation="tanh", rng=4)
    same.compile(optimizer=optim.Adam(0.02),
                 loss=SparseCategoricalCrossentropy(from_logits=True))
    same.fit(X, y, epochs=25, batch_size=len(X), shuffle=False)
    assert model.history_ == same.history_
    for a, b in zip(model.get_weights(), same.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_train_classifier_takes_any_number_of_features():
    X, y = data.make_classification(120, n_features=5, n_classes=3,
                                    n_informative=3, rng=0)
    model, accuracy = zoo.train_classifier(X, y, depth=1, steps=100)
    assert model.layers[0].params["W"].shape == (5, 16)
    assert accuracy > 0.8


def test_validation_data_is_scored_but_not_trained_on():
    X, y = data.load_example("moons")
    X_tr, X_val, y_tr, y_val = data.train_test_split(X, y, test_size=0.3,
                                                     rng=0)
    plain, acc = zoo.train_classifier(X_tr, y_tr, steps=50)
    model, acc_v = zoo.train_classifier(X_tr, y_tr, steps=50,
                                        validation_data=(X_val, y_val))
    assert acc == acc_v                       # the same training run
    for a, b in zip(plain.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    val_acc = model.history_["val_accuracy"]
    assert len(val_acc) == len(model.history_["val_loss"]) == 50
    assert val_acc[-1] == np.mean(model.predict(X_val).argmax(axis=1)
                                  == y_val)
    assert "val_accuracy" not in plain.history_


@pytest.mark.parametrize("call, match", [
    (lambda: zoo.train_classifier(np.ones(4), [0, 1, 0, 1]), "dimension"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0]),
     "same number of samples"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, -1]),
     "non-negative"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], depth=-1),
     "depth=-1"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], width=0),
     "width=0"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], steps=0),
     "steps=0"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, 1],
                                  activation="gelu"), "gelu"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, 1],
                                  validation_data=(np.ones((2, 3)), [0, 1])),
     "X_val with 2 features"),
    (lambda: zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, 1],
                                  validation_data=(np.ones((2, 2)), [0])),
     "same number of samples"),
])
def test_train_classifier_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
    with pytest.raises(TypeError):
        zoo.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], 2)  # keywords

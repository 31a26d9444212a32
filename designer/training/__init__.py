"""Training in the window: a QThread around backends.training, the panel, live plots, run comparison.

    worker.py          TrainingWorker (training thread) and TrainingRunner (GUI thread)
    panel.py           TrainingPanel: settings, Train/Pause/Stop, learning rate, banners, weights
    settings_form.py   editors generated from nodes.training_settings.TRAINING_PARAMS
    run_status.py      progress bar and status line
    banner.py          in-panel error/warning/note strip (no modal boxes)
    plots.py           TrainingPlots: buffers + paced redraw of every live plot
    model_view.py      decision boundary / regression fit
    histogram_view.py  weight and gradient histograms of one layer
    results.py         final metrics and confusion matrix
    runs.py, run_diff.py  runs since the app opened, and what changed between them
    view.py            TrainingView: panel and plots side by side, wired
    buffers.py, pacing.py, plot_style.py, text.py  small shared pieces

Import the submodule you need; this package imports nothing, so loading it never pulls in torch.
"""

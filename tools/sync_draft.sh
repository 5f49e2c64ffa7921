#!/usr/bin/env bash
# Convert a jupytext percent-format draft into a clean notebook: tools/sync_draft.sh DRAFT.py nbs/NN_name.ipynb
set -e
jupytext --to ipynb "$1" -o "$2" -q
nbdev_clean --fname "$2"
python tools/strip_outputs.py "$2"

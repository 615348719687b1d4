#!/bin/sh
# Prints garbage, a malformed metric line, a 1 MB line, NaN, then good lines.
echo "hello, not a metric"
echo "[tune-metric]: {not json"
echo "[tune-metric]: [1, 2]"
head -c 1000000 /dev/zero | tr '\0' 'x' | sed 's/^/[tune-metric]: {"loss": "/' ; echo '"}'
echo '[tune-metric]: {"epoch": 1, "loss": NaN}'
echo '[tune-metric]: {"epoch": 2, "loss": 0.5, "note": "fine"}'
echo '[tune-metric]: {"epoch": 3, "loss": -Infinity}'

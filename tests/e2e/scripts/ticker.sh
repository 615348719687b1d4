#!/bin/sh
# Reports --n results (epoch 1..n), one every --dt seconds; with --fail 1 it exits with code 3
# after the first. A shell script: starting it costs far less than a Python interpreter.
n=3
dt=0
fail=0
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n=$2; shift ;;
    --dt) dt=$2; shift ;;
    --fail) fail=$2; shift ;;
  esac
  shift
done
e=1
while [ "$e" -le "$n" ]; do
  if [ "$dt" != 0 ]; then sleep "$dt"; fi
  echo "[tune-metric]: {\"epoch\": $e, \"loss\": 0.5}"
  if [ "$fail" = 1 ]; then exit 3; fi
  e=$((e + 1))
done

#!/bin/sh
echo '[tune-metric]: {"epoch": 1, "loss": 1}'

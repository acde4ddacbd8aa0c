"""`make bench`: Emberfall, Evennia and a bare-Twisted echo server under the same load.

`python -m bench.capacity` (bench/capacity/__main__.py) runs each (server, workload) pair in
its own `python -m bench.capacity.run_one` subprocess and writes docs/capacity.md. The servers
sit behind bench/capacity/targets.py's Target interface.
"""

"""KernelCI backend's job resource (seed 004) at /kernelci: a run is a job document, its jobs are builds."""

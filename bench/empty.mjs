// Nothing: the baseline for the start-up benchmark.
export {};

"""The options of the search benchmark, shared by ours (bench/search.py) and the FAISS peer, so both measure the same."""


def add_search_arguments(parser):
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--min-queries", type=int, default=50)

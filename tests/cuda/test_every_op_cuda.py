"""Every public op and Tensor method on the GPU against the CPU, by one sweep: each is
called with the argument lists of tests/_op_sweep.py on the CPU and, where that works, on
the GPU with the same values (and the same seed, so random ops draw the same numbers);
results, in-place changes to the arguments and float64 gradients must agree. An op the GPU
refuses with NotImplementedError is listed, not failed. The sweep runs in child
processes, so that an op that kills the process is named and the rest still compared.
The harness itself is checked on the CPU by tests/test_op_sweep_harness.py."""
from _op_compare import sweep_in_children


def test_every_op_agrees_with_the_cpu():
    problems, compared, gradients = sweep_in_children("cuda")
    report = "\n".join(f"{op}{args}: {why}" for op, args, why in problems)
    print(f"compared {compared} results and {gradients} gradients; {len(problems)} differ")
    assert not problems, report
    assert compared > 1500 and gradients > 500, (compared, gradients)


def test_refused_ops_are_few_and_named():
    """What the GPU still refuses (NotImplementedError): printed for the log, and bounded
    so that a dispatch regression shows."""
    import warnings
    from _op_sweep import argument_lists, public_ops
    refused = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for qualified, _, fn in public_ops():
            for args in argument_lists(lambda t: t.cuda()):
                try:
                    fn(*args)
                except NotImplementedError as e:
                    if "CUDA" in str(e):
                        refused.add(qualified)
                        break
                except Exception:
                    pass
    print("refused on CUDA:", sorted(refused))
    assert len(refused) < 20, sorted(refused)

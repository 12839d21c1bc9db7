# live-margins.jq — the races of one simulated run that a live run must not
# cross, from its timeline (dsim run SCENARIO --replications 1 --timeline FILE):
#   jq -c -f scripts/live-margins.jq FILE   ->   [CRASH, DECIDE] in simulated s
# CRASH:  the smallest distance between a node's crash or restart and anything
#         else at that node (an attempt's start or end on one of its workers, an
#         assign sent to it). A live result that leaves a node a little later than
#         simulated dies in a crash the simulation let it escape.
# DECIDE: the smallest distance between a dispatch decision and a result arriving
#         at the scheduler. A result that arrives a little later than simulated
#         leaves its node looking busy, and the core picks another node.
# dsim live agrees with dsim run count for count when every live delay (timer,
# scheduling, socket), in simulated time (wall time x --speed), stays below both.
def node_of_tid: ((. - 4294967296) / 2048 | floor);
[.traceEvents[] | select(.name == "node_crash" or .name == "node_up") | select(.ts > 0)
 | {n: .args.node, t: .ts}] as $st
| [.traceEvents[] | select(.ph == "X" and .cat == "attempt" and .tid >= 4294967296)
   | {n: (.tid | node_of_tid), a: .ts, b: (.ts + .dur), o: .args.outcome}] as $att
| [.traceEvents[] | select(.name == "job_assign") | {n: .args.node, t: .ts}] as $asg
| [.traceEvents[] | select(.name == "result" and .ph == "f") | .ts] as $res
| ([$st[] as $s
    | (($att[] | select(.n == $s.n) | (.a, (select(.o != "crashed") | .b))),
       ($asg[] | select(.n == $s.n) | .t))
    | (. - $s.t) | fabs] | min // 1e15 | . / 1e6) as $crash
| ([$asg[] as $d | $res[] | (. - $d.t) | fabs | select(. > 1)] | min // 1e15 | . / 1e6) as $decide
| [$crash, $decide]

# Fills .ratios of every benchmark from its .compare list:
#   compare: [{figure: F, against: "GROUP/NAME", against_figure: G}]
# gives ratios: [{figure: F, against: ..., against_figure: G, value: F/G}]
# when both figures were measured in this run; otherwise the ratio is
# left out (a pending benchmark has no figure to divide).
(.benchmarks | map({key: "\(.group)/\(.name)", value: .}) | from_entries) as $by
| .benchmarks |= map(
	. as $b
	| .ratios = [(.compare // [])[]
		| . as $c
		| ($b.figures[$c.figure].value) as $num
		| ($by[$c.against].figures[$c.against_figure].value) as $den
		| select($num != null and $den != null and $den > 0)
		| $c + {value: ($num / $den)}]
)

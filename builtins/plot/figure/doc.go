// Package figure draws golora's charts with gonum.org/v1/plot and shows them
// in a notebook.
//
// A Figure is one or more panels stacked vertically that share the x axis,
// each holding line, point and histogram series, with a title, axis labels
// and a legend that places itself in the emptiest corner of its panel:
//
//	f := figure.New("Training loss")
//	f.Line("train", steps, loss)
//	f.Points("eval", evalSteps, evalLoss)
//	f.Panel("learning rate", 0.5)
//	f.Line("", steps, lrs)
//	f.Labels("step", "learning rate")
//
// A Figure renders as a PNG drawn at twice its display size, so that it is
// sharp on high-density screens; SVG returns the vector form and Save writes
// either to a file.
//
// Package plot builds the usual figures (lines, histograms, schedules, loss
// curves) on this one; package sched uses it to draw a schedule without
// depending on plot, which depends on sched.
package figure

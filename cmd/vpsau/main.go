// Command vpsau is the data-exchange pipeline of the animal welfare programme for sheep
// (DVP sau): it pulls the source systems, lands and historises them in DuckDB, computes
// the programme's rules in SQL and exports delta transfers to the receivers.
// Run `vpsau help` for the commands.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)) }

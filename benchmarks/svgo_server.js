// Real SVGO for the benchmarks, as a server: one JSON request per line on stdin,
// {"svg": TEXT, "precision": P or null}, one JSON answer per line on stdout, {"svg": TEXT, "ms": M} or {"error": E}.
// optimize() with multipass, as `svgo --multipass --precision P` runs it (null: SVGO's own default precision, 3).
// SVGO resolves from benchmarks/node_modules (`cd benchmarks && npm install svgo@4`) or $NODE_PATH.
const { optimize } = require('svgo');
const readline = require('readline');
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  const req = JSON.parse(line);
  const config = { multipass: true };
  if (req.precision !== null && req.precision !== undefined) config.floatPrecision = req.precision;
  const t0 = process.hrtime.bigint();
  let answer;
  try {
    answer = { svg: optimize(req.svg, config).data };
  } catch (e) {
    answer = { error: String(e) };
  }
  answer.ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify(answer) + '\n');
});

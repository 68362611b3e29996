/** Modified Bessel function of the first kind, order 0: the Kaiser window is I0(β·√(1−x²)) / I0(β). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return sum;
}

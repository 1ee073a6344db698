/** The parts of jStat (untyped CommonJS) the A/B test statistics use. */
declare module "jstat" {
  interface JStat {
    chisquare: { cdf(x: number, dof: number): number };
    normal: { cdf(x: number, mean: number, std: number): number; inv(p: number, mean: number, std: number): number };
  }
  const jStat: JStat;
  export default jStat;
}

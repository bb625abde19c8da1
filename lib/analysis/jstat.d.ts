/** The part of jstat (no published types) that lib/analysis uses. */
declare module "jstat" {
  interface Distribution {
    cdf(x: number, ...params: number[]): number;
    pdf(x: number, ...params: number[]): number;
  }
  const jStat: {
    binomial: Distribution;
    chisquare: Distribution;
  };
  export default jStat;
}

/** A chromosome in the paper's Table 2 form: per conv layer filters, kernel, activation; then optimizer and learning rate. */
import type { Chromosome } from '../worker/api';

export function ChromosomeTable({ chromosome, caption }: { chromosome: Chromosome; caption: string }) {
  return (
    <table className="chromosome">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Conv</th>
          <th scope="col">Filters</th>
          <th scope="col">Kernel</th>
          <th scope="col">Activation</th>
        </tr>
      </thead>
      <tbody>
        {chromosome.conv.map((g, i) => (
          <tr key={i}>
            <th scope="row">{i + 1}</th>
            <td>{g.filters}</td>
            <td>
              {g.kernel}x{g.kernel}
            </td>
            <td>{g.activation}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Optimizer</th>
          <td colSpan={3}>{chromosome.optimizer}</td>
        </tr>
        <tr>
          <th scope="row">Learning rate</th>
          <td colSpan={3}>{chromosome.learningRate.toPrecision(3)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

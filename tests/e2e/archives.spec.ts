/**
 * Issue 16, item 7, in the lab: FER2013 as people download it. Kaggle's fer2013.tar.gz and a .zip holding the CSV
 * load in the browser's worker with the same counts as the bare CSV (the browser's own DecompressionStream inflates
 * them), the summary names the member; a multi-member .csv.gz still loads; an archive without FER2013 is refused with a
 * clear message and the loaded dataset stays.
 */
import { expect, test } from '@playwright/test';
import { concat, gzip, streamedZipFile, tarFile, zipFile } from '../helpers/archives';
import { fer2013Fixture } from '../helpers/fer2013';
import { Lab } from './lab';
import { noSeriousViolations } from './page';

const FIXTURE = fer2013Fixture();
const CSV = Buffer.from(FIXTURE.csv);

test('FER2013 loads from a tar.gz and a zip with the CSV counts; an archive without it is refused', async ({
  page,
}) => {
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  const summary = lab.datasetSummary();
  const sameCounts = async (name: string): Promise<void> => {
    await expect(summary).toContainText(name);
    await expect(summary).toContainText(`${FIXTURE.rows} rows`);
    await expect(summary).toContainText(`${FIXTURE.duplicateRows} duplicate rows removed`);
    await expect(summary).toContainText(`${FIXTURE.kept} images`);
  };

  const tgz = gzip(
    tarFile([
      { name: 'fer2013/', type: '5' },
      { name: 'fer2013/README', data: 'FER2013\n' },
      { name: 'fer2013/fer2013.csv', data: CSV },
    ]),
  );
  await lab.chooseFile({ name: 'fer2013.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from(tgz) });
  await sameCounts('fer2013.tar.gz');
  await expect(summary).toContainText('fer2013/fer2013.csv in the tar archive');
  await noSeriousViolations(page, 'tar.gz loaded', '[data-testid="dataset-summary"]');

  // A streamed zip (sizes in data descriptors), the CSV under another name, found by its header.
  const zip = streamedZipFile({ 'notes.txt': 'faces\n', 'data/train.csv': CSV });
  await lab.chooseFile({ name: 'archive.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
  await sameCounts('archive.zip');
  await expect(summary).toContainText('data/train.csv in the ZIP archive');

  // Two gzip members one after the other (as bgzip or `cat a.gz b.gz` make): the same rows.
  const cut = FIXTURE.csv.indexOf('\n', Math.floor(FIXTURE.csv.length / 2)) + 1;
  const twoMembers = concat([gzip(CSV.subarray(0, cut)), gzip(CSV.subarray(cut))]);
  await lab.chooseFile({ name: 'two-members.csv.gz', mimeType: 'application/gzip', buffer: Buffer.from(twoMembers) });
  await sameCounts('two-members.csv.gz');

  // Nothing of FER2013 inside: refused in place, the dataset before stays.
  await lab.chooseFile({
    name: 'other.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from(zipFile({ 'README.txt': 'hello\n', 'inner.csv.gz': gzip(CSV) })),
  });
  const alert = page.getByTestId('load-error');
  await expect(alert).toHaveAttribute('role', 'alert');
  await expect(alert).toContainText(
    'other.zip was not loaded: no FER2013 CSV in this ZIP archive (it holds inner.csv.gz, README.txt)',
  );
  await expect(alert).toContainText(
    'inner.csv.gz is an archive inside the archive, which is not opened: extract it and load the file inside',
  );
  await sameCounts('two-members.csv.gz');

  // A truncated download fails cleanly too.
  await lab.chooseFile({
    name: 'cut.tar.gz',
    mimeType: 'application/gzip',
    buffer: Buffer.from(tgz.subarray(0, Math.floor(tgz.length * 0.6))),
  });
  await expect(alert).toContainText('cut.tar.gz was not loaded: not a valid gzip file');
  await sameCounts('two-members.csv.gz');
});

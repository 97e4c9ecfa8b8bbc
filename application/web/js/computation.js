// The approved computations a buyer may run (the built-in catalogue of src/computations), their
// parameters, and how each result reads: labelled values, or a model with its accuracy.
import { dataTable, field, h } from './dom.js';
import { previewCsv } from './csv.js';

const LABELS = {
  'column-means': 'mean of each column',
  'column-sums': 'sum of each column',
  xtx: 'XᵀX (Gram matrix)',
  xty: 'Xᵀy',
  'lr-epochs': 'logistic regression (a model)',
};

/** The computations the listing allows: its approved built-ins, or all when it is open. */
export function allowedComputations(listing) {
  const policy = listing.computationPolicy;
  if (policy?.mode === 'approved') {
    return policy.computations.filter((c) => c.kind === 'builtin' && LABELS[c.id]).map((c) => c.id);
  }
  return Object.keys(LABELS);
}

function checkboxes(columns, checkedCount, name, legend) {
  const boxes = columns.map((c, i) =>
    h('input', { type: 'checkbox', name, value: c, id: `${name}-${i}`, checked: i < checkedCount }),
  );
  return {
    element: h(
      'fieldset',
      {},
      h('legend', {}, legend),
      boxes.map((b) => h('label', { class: 'check', for: b.id }, b, b.value)),
    ),
    chosen: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
}

/** A form for one computation on a listing's columns; request() gives {computation, params}. */
export function computationForm(listing, bound, prefix) {
  const columns = listing.schema.columns;
  const choice = field('Computation', { tag: 'select', id: `${prefix}-computation` });
  choice.input.append(
    ...allowedComputations(listing).map((id) => h('option', { value: id }, LABELS[id])),
  );
  const paramsBox = h('div');
  let request = () => ({});
  const render = () => {
    const id = choice.input.value;
    if (id === 'lr-epochs' || id === 'xty') {
      const target = field('Target column (0/1 for a model)', {
        tag: 'select',
        id: `${prefix}-target`,
      });
      target.input.append(...columns.map((c) => h('option', { value: c }, c)));
      target.input.value = columns.at(-1);
      const features = checkboxes(
        columns,
        columns.length - 1,
        `${prefix}-feature`,
        'Feature columns',
      );
      const epochs = field('Epochs', {
        type: 'number',
        min: '1',
        max: '8',
        value: '1',
        id: `${prefix}-epochs`,
      });
      const rate = field('Learning rate', {
        type: 'number',
        step: 'any',
        min: '0',
        value: '1',
        id: `${prefix}-rate`,
      });
      paramsBox.replaceChildren(
        target.element,
        features.element,
        id === 'lr-epochs' ? [epochs.element, rate.element] : '',
      );
      request = () => {
        const chosen = features.chosen().filter((c) => c !== target.input.value);
        if (id === 'xty') return { columns: chosen, target: target.input.value };
        return {
          features: chosen,
          target: target.input.value,
          epochs: Number(epochs.input.value),
          learningRate: Number(rate.input.value),
          initialWeights: chosen.map(() => 0.01),
          initialBias: 0,
        };
      };
    } else {
      const picked = checkboxes(
        columns,
        bound,
        `${prefix}-col`,
        `Columns (a result may hold at most ${bound} values: the leakage bound)`,
      );
      paramsBox.replaceChildren(picked.element);
      request = () => ({ columns: picked.chosen() });
    }
  };
  choice.input.addEventListener('change', render);
  render();
  return {
    element: h('div', {}, choice.element, paramsBox),
    request: () => ({ computation: choice.input.value, params: request() }),
  };
}

/** Accuracy of a logistic model on validation rows, at a decision threshold. */
function accuracy(rows, weights, bias, threshold) {
  let right = 0;
  for (const { x, y } of rows) {
    const z = x.reduce((sum, v, i) => sum + v * weights[i], bias);
    const p = 1 / (1 + Math.exp(-z));
    if ((p >= threshold ? 1 : 0) === (y >= 0.5 ? 1 : 0)) right += 1;
  }
  return rows.length ? right / rows.length : NaN;
}

function modelView(request, values, filename) {
  const { features, target } = request.params;
  const weights = values.slice(0, features.length);
  const bias = values[features.length];
  const plot = h(
    'div',
    { class: 'chart', hidden: true },
    h('canvas', {
      id: 'accuracy-chart',
      role: 'img',
      'aria-label': 'accuracy over the decision threshold',
    }),
  );
  const verdict = h('p', { role: 'status' });
  const validation = field(`Validation CSV (columns ${[...features, target].join(', ')})`, {
    type: 'file',
    accept: '.csv,text/csv',
    id: 'validation-file',
  });
  let chart;
  validation.input.addEventListener('change', async () => {
    const text = (await validation.input.files[0]?.text()) ?? '';
    const lines = text.split(/\r?\n/).filter((l) => l.trim());
    const header = lines[0]?.split(',').map((c) => c.trim()) ?? [];
    const index = [...features, target].map((c) => header.indexOf(c));
    if (index.some((i) => i < 0)) {
      verdict.textContent = `the validation CSV needs the columns ${[...features, target].join(', ')}`;
      return;
    }
    previewCsv(text, [...features, target]);
    const rows = lines
      .slice(1)
      .map((l) => l.split(',').map(Number))
      .map((cells) => ({ x: index.slice(0, -1).map((i) => cells[i]), y: cells[index.at(-1)] }))
      .filter((r) => [...r.x, r.y].every(Number.isFinite));
    const thresholds = Array.from({ length: 9 }, (_, i) => (i + 1) / 10);
    const scores = thresholds.map((t) => accuracy(rows, weights, bias, t));
    verdict.textContent = `accuracy at threshold 0.5 on ${rows.length} validation rows: ${(scores[4] * 100).toFixed(1)} %`;
    plot.hidden = false;
    chart?.destroy();
    chart = new window.Chart(plot.querySelector('canvas'), {
      type: 'line',
      data: {
        labels: thresholds,
        datasets: [
          { label: 'accuracy', data: scores, borderColor: '#0b4f9c', backgroundColor: '#0b4f9c' },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 1 }, x: { title: { display: true, text: 'threshold' } } },
      },
    });
  });
  return h(
    'div',
    {},
    dataTable(
      'Model weights',
      ['weight', 'value'],
      [...features.map((f, i) => [f, weights[i]]), ['bias', bias]],
      { filename },
    ),
    validation.element,
    verdict,
    plot,
  );
}

/** The decrypted values of a computation, labelled by what it computed. */
export function resultView(caption, request, values, filename) {
  const { computation, params } = request ?? {};
  if (computation === 'lr-epochs' && params?.features) return modelView(request, values, filename);
  const columns = params?.columns ?? [];
  const label = (i) => {
    if (computation === 'column-means' && columns[i]) return `mean of ${columns[i]}`;
    if (computation === 'column-sums' && columns[i]) return `sum of ${columns[i]}`;
    return `#${i + 1}`;
  };
  return dataTable(
    caption,
    ['value', 'decrypted'],
    values.map((v, i) => [label(i), v]),
    { filename },
  );
}

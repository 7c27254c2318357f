// The help-center search index: how many published articles are indexed under the current
// rules, and a rebuild with a progress bar. The server rebuilds in batches
// (POST /api/admin/search_index/catch_up); this panel asks for batches until it is complete.
// Below it, the desk's ticket search: every ticket write advances it after an upgrade, and on a
// quiet desk an admin finishes it here (POST /api/admin/search_index/tickets/catch_up).
import { t } from './strings.js';
import { h, fill, errorBox, busy, confirmAction, announce } from './ui.js';
import { get, post } from './api.js';

const PATH = '/api/admin/search_index';

export function searchIndexPanel() {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': t('index.progress') });
  const line = h('p', { role: 'status', class: 'muted', text: t('common.loading') });
  const errors = errorBox();
  const rebuild = h('button', { type: 'button', text: t('index.rebuild') });
  let stopped = false;

  function show(index) {
    bar.value = index.progress;
    fill(line, t(index.complete ? 'index.complete' : 'index.partial', {
      indexed: index.indexed_articles,
      published: index.published_articles,
    }));
  }

  async function refresh() {
    errors.clear();
    try { show((await get(PATH)).search_index); } catch (err) { errors.show(err); }
  }

  rebuild.addEventListener('click', async () => {
    if (!(await confirmAction({ title: t('index.confirmTitle'), message: t('index.confirmMessage'),
      confirm: t('index.rebuild'), danger: false }))) return;
    errors.clear();
    await busy(rebuild, async () => {
      try {
        let index = (await post(`${PATH}/rebuild`)).search_index;
        show(index);
        // One batch per request, until the server says the index is complete.
        while (!index.complete && !stopped) {
          index = (await post(`${PATH}/catch_up`)).search_index;
          show(index);
        }
        if (index.complete) announce(t('index.done'));
      } catch (err) {
        errors.show(err);
      }
    });
  });

  const tickets = ticketIndex(() => stopped, errors);
  refresh();
  const el = h('section', { class: 'search-index', 'aria-labelledby': 'search-index-title' },
    h('h2', { id: 'search-index-title', text: t('index.title') }),
    h('p', { class: 'muted', text: t('index.intro') }),
    bar, line, rebuild, tickets.el, errors.el);
  return { el, stop() { stopped = true; } };
}

/** The ticket search's catch-up: a status line, and a button while it is behind. */
function ticketIndex(stopped, errors) {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': t('index.ticketsProgress') });
  const line = h('p', { role: 'status', class: 'muted', text: t('common.loading') });
  const finish = h('button', { type: 'button', text: t('index.ticketsCatchUp'), hidden: true });

  function show(index) {
    bar.value = index.progress;
    fill(line, t(index.complete ? 'index.ticketsComplete' : 'index.ticketsPartial', {
      waiting: index.waiting_tickets + index.waiting_facets,
      tickets: index.tickets,
    }));
    finish.hidden = index.complete;
  }

  finish.addEventListener('click', async () => {
    errors.clear();
    await busy(finish, async () => {
      try {
        let index;
        do {
          index = (await post(`${PATH}/tickets/catch_up`)).ticket_search_index;
          show(index);
        } while (!index.complete && !stopped());
        if (index.complete) announce(t('index.ticketsDone'));
      } catch (err) {
        errors.show(err);
      }
    });
  });

  get(`${PATH}/tickets`).then((r) => show(r.ticket_search_index), (err) => errors.show(err));
  const el = h('div', { class: 'ticket-index' },
    h('h3', { text: t('index.ticketsTitle') }), bar, line, finish);
  return { el };
}

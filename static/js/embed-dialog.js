/* embed-dialog.js: the Embed dialog: the iframe snippet (the server's oEmbed answer), oEmbed, XYZ and TileJSON addresses. */
import { byId } from './dom.js';
import { fetchJSON } from './api.js';
import { t } from './i18n.js';

function escapeAttr(s) {
	return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/* The iframe is the server's oEmbed answer, so the snippet and
 * what an oEmbed consumer gets never differ. */
function update() {
	const name = byId('embed-view').value || 'region';
	/* The page's own folder, with any prefix a proxy serves it under. */
	const origin = new URL('.', document.baseURI).href.replace(/\/$/, '');
	const oembed = origin + '/oembed?url=' + encodeURIComponent(origin + '/embed?view=' + encodeURIComponent(name));
	const script = '<script async src="' + escapeAttr(origin + '/static/embed-resize.js') + '"></' + 'script>';
	byId('embed-oembed').value = oembed;
	byId('embed-iframe').value = '';
	fetchJSON(oembed).then((o) => {
		if (byId('embed-view').value === name)
			byId('embed-iframe').value = o.html + '\n' + script;
	}, (e) => {
		byId('embed-iframe').value = t('embed_snippet_error', { error: e && e.message ? e.message : e });
	});
	byId('embed-xyz').value = origin + '/tiles/briefing/{z}/{x}/{y}.png';
	byId('embed-events-xyz').textContent = origin + '/tiles/events/{z}/{x}/{y}.png';
	byId('embed-tilejson').value = origin + '/tiles/briefing.json';
}

function copyField(id, button) {
	const field = byId(id);
	const ok = () => {
		button.textContent = t('copied');
		button.classList.add('copied');
		setTimeout(() => {
			button.textContent = t('copy');
			button.classList.remove('copied');
		}, 1400);
	};
	const fallback = () => {
		field.focus();
		field.select();
		try {
			if (document.execCommand('copy'))
				ok();
		} catch (e) {
			/* The text stays selected for the reader to copy by hand. */
		}
	};
	if (navigator.clipboard && window.isSecureContext)
		navigator.clipboard.writeText(field.value).then(ok, fallback);
	else
		fallback();
}

/* viewName() gives the view the dialog opens on. */
export function setupEmbedDialog(viewName) {
	byId('embed-button').addEventListener('click', () => {
		byId('embed-view').value = viewName() || 'region';
		update();
		byId('embed-dialog').showModal();
	});
	byId('embed-view').addEventListener('change', update);
	for (const b of document.querySelectorAll('[data-copy]'))
		b.addEventListener('click', () => copyField(b.getAttribute('data-copy'), b));
	byId('embed-dialog').addEventListener('click', (ev) => {
		if (ev.target === ev.currentTarget)
			ev.currentTarget.close();
	});
}

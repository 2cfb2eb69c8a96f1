/* SPDX-License-Identifier: MIT */
// theme.js: light, dark or the system's choice (prefers-color-scheme),
// remembered in localStorage; the button in the header cycles them.

const ORDER = ['auto', 'dark', 'light'];
const KEY = 'ptscope.theme';

function apply(mode) {
	if (mode === 'auto') delete document.documentElement.dataset.theme;
	else document.documentElement.dataset.theme = mode;
	const b = document.getElementById('theme-toggle');
	if (b) {
		b.textContent = mode === 'auto' ? 'Theme: system' : mode === 'dark' ? 'Theme: dark' : 'Theme: light';
		b.setAttribute('aria-label', b.textContent + ' (click to change)');
	}
}

function stored() {
	try {
		const m = localStorage.getItem(KEY);
		return ORDER.includes(m) ? m : 'auto';
	} catch (e) {
		return 'auto';
	}
}

// Apply the remembered theme and wire the toggle.
export function init() {
	let mode = stored();
	apply(mode);
	const b = document.getElementById('theme-toggle');
	if (!b) return;
	b.addEventListener('click', () => {
		mode = ORDER[(ORDER.indexOf(mode) + 1) % ORDER.length];
		try {
			localStorage.setItem(KEY, mode);
		} catch (e) { /* private mode: not remembered */ }
		apply(mode);
	});
}

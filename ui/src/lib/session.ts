// Who is signed in, the startup facts, and the catalogue (loaded once, refreshed on demand).
import { signal } from "@preact/signals";
import { api } from "../api";
import type { Catalogue } from "../bindings/Catalogue";
import type { Me } from "../bindings/Me";
import type { Startup } from "../bindings/Startup";

export const me = signal<Me | null>(null);
export const startupInfo = signal<Startup | null>(null);
export const catalogue = signal<Catalogue | null>(null);

/** Nobody is signed in any more (signed out, or the server ended the session): what was
 * theirs goes; the next user loads the catalogue afresh. */
export function signedOut(): void {
  me.value = null;
  catalogue.value = null;
}

let pendingCatalogue: Promise<Catalogue> | null = null;

/** The catalogue, from cache unless `fresh`. */
export function loadCatalogue(fresh = false): Promise<Catalogue> {
  if (catalogue.value && !fresh) return Promise.resolve(catalogue.value);
  if (!pendingCatalogue || fresh) {
    pendingCatalogue = api
      .catalogue()
      .then((c) => {
        catalogue.value = c;
        return c;
      })
      .finally(() => {
        pendingCatalogue = null;
      });
  }
  return pendingCatalogue;
}

let pendingStartup: Promise<Startup> | null = null;

export function loadStartup(): Promise<Startup> {
  if (startupInfo.value) return Promise.resolve(startupInfo.value);
  pendingStartup ??= api
    .startup()
    .then((s) => {
      startupInfo.value = s;
      return s;
    })
    .finally(() => {
      pendingStartup = null;
    });
  return pendingStartup;
}

// Which screens a user reaches, by role.
import type { Me } from "../bindings/Me";

export const NAV_SCREENS = ["home", "capture", "qualify", "baskets", "search", "activity", "admin"] as const;
export type NavScreen = (typeof NAV_SCREENS)[number];

export function canSee(me: Me | null, screen: string): boolean {
  if (!me) return false;
  switch (screen) {
    case "home":
    case "search":
      return true;
    case "capture":
    case "qualify":
    case "batch":
      return me.operator || me.lead;
    case "baskets":
      return me.referent || me.agent || me.lead;
    case "activity":
    case "admin":
      return me.lead;
    default:
      return false;
  }
}

export function navFor(me: Me | null): NavScreen[] {
  return NAV_SCREENS.filter((s) => canSee(me, s));
}

// The logged-in session as React context: who, which project, admin or not.
import { createContext, useContext } from "react";
import type { Session } from "./api/session";

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a session");
  return s;
}

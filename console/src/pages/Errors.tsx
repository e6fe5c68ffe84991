// The pages for what cannot be shown.
import { Link } from "react-router";

export function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Back to the overview</Link>
      </p>
    </section>
  );
}

export function AdminOnly() {
  return (
    <section>
      <h1>Admins only</h1>
      <p role="alert">This panel is for cloud administrators; your role in this project does not allow it.</p>
    </section>
  );
}

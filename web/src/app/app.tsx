export function App() {
  return <main>catlens</main>;
}

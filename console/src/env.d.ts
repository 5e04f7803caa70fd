// Lets TypeScript accept Vite's CSS side-effect import.
declare module '*.css';

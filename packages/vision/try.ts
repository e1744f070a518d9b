import { FaceAnalyzer } from './src/pipeline/face-analyzer';
import { demoPhotoPaths } from './src/shipped-assets';
import { parseCompletion } from '@facial-r1/parsers';
const analyzer = await FaceAnalyzer.create({ cacheDir: '/tmp/fr1-vision-cache' });
for (const photo of demoPhotoPaths()) {
  const result = await analyzer.analyze(photo);
  console.log(photo.split('/').pop(), result.width, result.height, result.faces.length, JSON.stringify(result.timings, (k, v) => typeof v === 'number' ? Math.round(v) : v));
  for (const face of result.faces) {
    console.log(' box', face.box, face.detectionScore.toFixed(2), face.meshScore.toFixed(2), face.rollDegrees.toFixed(1));
    console.log(' ', face.actionUnits.map((a) => `${a.au}:${a.measure.toFixed(3)}${a.present ? '*' : ''}`).join(' '));
    console.log(' ', face.emotion.label, JSON.stringify(face.emotion.cnn, (k, v) => typeof v === 'number' ? +v.toFixed(2) : v));
    console.log(' ', face.reasoning, parseCompletion(face.reasoning).presentAus);
  }
}
await analyzer.dispose();
